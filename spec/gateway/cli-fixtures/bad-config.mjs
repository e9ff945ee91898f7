export default { port: 'eighty' };
