// A plain node:http request listener.
export default (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`node ${req.method} ${req.url}`);
};
