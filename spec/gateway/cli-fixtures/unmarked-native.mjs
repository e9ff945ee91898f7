// A native app without the marker: only --kind native (or native:) serves it right.
export default (env, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`native-unmarked ${env.pathInfo}`);
};
