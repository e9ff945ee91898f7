// A native Portico app, marked so the CLI does not take (env) for a Fetch handler.
export const porticoKind = 'native';
export default (env) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `native ${env.scriptName}|${env.pathInfo}|${process.pid}` });
