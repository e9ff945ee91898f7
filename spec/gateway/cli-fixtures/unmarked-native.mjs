// A native app whose shape gives no hint (two parameters, not named env): only
// --kind native (or a native: target) serves it right.
export default (e, r) => {
  r.writeHead(200, { 'content-type': 'text/plain' });
  r.end(`native-unmarked ${e.pathInfo}`);
};
