// The node-style (req, res) handlers, run both on node:http and on Portico's node
// adapter, so that each pair measures the server and not the app: a bare handler
// (`res.end`) routing on req.url, and the same small Express app for Express 4
// and 5 (with express.static for the static-file peer).
import { BODIES, CHUNK, HELLO, STREAM_BYTES } from './common.mjs';

/** Streams STREAM_BYTES in 64 KiB writes, honouring backpressure ('drain'). */
const stream = (res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let left = STREAM_BYTES;
  const pump = () => {
    while (left > 0) {
      left -= CHUNK.length;
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
};

const echo = (req, res) => {
  const headers = { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' };
  if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
  res.writeHead(200, headers);
  req.pipe(res);
};

export const bareHandler = (req, res) => {
  const url = req.url;
  if (url === '/hello') return void res.end(HELLO);
  const body = BODIES[url];
  if (body !== undefined) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    return void res.end(body);
  }
  if (url === '/stream') return stream(res);
  if (url === '/echo') return echo(req, res);
  res.statusCode = 404;
  res.end();
};

export const makeExpressApp = (express, staticRoot) => {
  const app = express();
  app.disable('x-powered-by');
  app.get('/hello', (req, res) => res.send(HELLO));
  app.get('/64k', (req, res) => res.type('application/octet-stream').send(BODIES['/64k']));
  app.get('/1m', (req, res) => res.type('application/octet-stream').send(BODIES['/1m']));
  if (staticRoot !== undefined) app.use('/static', express.static(staticRoot, { etag: true, lastModified: true }));
  return app;
};
