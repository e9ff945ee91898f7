// Portico's native interface: apps of the gateway interface mounted directly,
// answering by returning a response (hello, known-length bodies) or through the
// responder with backpressure (the 1 GiB stream, the echo).
import { serve, silentLogger } from 'portico';
import { BODIES, CHUNK, HELLO, KEEP_ALIVE_MS, STREAM_BYTES, port, ready } from './common.mjs';

const OCTETS = { 'content-type': 'application/octet-stream' };

const hello = () => ({ status: 200, body: HELLO });

const sized = (body) => () => ({ status: 200, headers: OCTETS, body });

const stream = (env, res) => {
  res.writeHead(200, OCTETS);
  let left = STREAM_BYTES;
  const pump = () => {
    while (left > 0) {
      left -= CHUNK.length;
      if (!res.write(CHUNK)) return void res.onDrain(pump);
    }
    res.end();
  };
  pump();
};

// Push-style: the body flows straight into the response, pausing while the client is behind.
const echo = (env, res) => {
  const headers = { 'content-type': env.headers['content-type'] ?? OCTETS['content-type'] };
  if (env.body.length >= 0) headers['content-length'] = String(env.body.length);
  res.writeHead(200, headers);
  const resume = () => env.body.resume();
  env.body.flow({
    data(chunk) {
      if (res.write(chunk)) return true;
      res.onDrain(resume);
      return false;
    },
    end(err) {
      if (err) res.abort(err);
      else res.end();
    },
  });
};

await serve({
  port,
  logger: silentLogger,
  timeouts: { keepAliveMs: KEEP_ALIVE_MS },
  mounts: { '/hello': hello, '/64k': sized(BODIES['/64k']), '/1m': sized(BODIES['/1m']), '/stream': stream, '/echo': echo },
});
ready();
