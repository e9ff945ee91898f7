// A Portico in a child process for the backpressure spec, so that the RSS
// measured is the server's alone. It samples its own RSS every 10 ms and keeps
// the peak since the last reset; the parent asks over IPC. Apps: /responder
// streams N MiB through write()/onDrain() with a declared length, /iterable
// returns an async iterable (chunked), /ignore never reads its request body.

import { serve } from '../../gateway/index.js';
import type { App } from '../../gateway/index.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x78);
const mib = (query: string): number => Number(new URLSearchParams(query).get('mib') ?? '1');

const responder: App = (env, res) => {
  const total = mib(env.queryString) * 1024 * 1024;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.aborted) {
      sent += CHUNK.length;
      const more = sent < total ? res.write(CHUNK) : (res.end(CHUNK), true);
      if (!more) return res.onDrain(pump);
    }
  };
  pump();
};

const iterable: App = (env) => {
  const total = mib(env.queryString) * 1024 * 1024;
  return {
    status: 200,
    body: (async function* () {
      for (let sent = 0; sent < total; sent += CHUNK.length) yield CHUNK;
    })(),
  };
};

let bodyReceived = 0;
const ignore: App = (env) => {
  bodyReceived = 0;
  const body = env.body as unknown as { received: number };
  const timer = setInterval(() => (bodyReceived = body.received), 10);
  return new Promise((resolve) => setTimeout(() => {
    clearInterval(timer);
    bodyReceived = body.received;
    resolve({ status: 200, headers: { connection: 'close' }, body: String(body.received) });
  }, 1500));
};

let baseline = process.memoryUsage().rss;
let peak = baseline;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10).unref();

const server = await serve({
  port: 0,
  host: '127.0.0.1',
  mounts: { '/responder': responder, '/iterable': iterable, '/ignore': ignore },
  logger: { error: (m, f) => process.stderr.write(`${m} ${String(f?.['cause'])}\n`) },
});

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'reset') {
    baseline = process.memoryUsage().rss;
    peak = baseline;
    process.send!({ reset: true, baseline });
  } else if (msg.cmd === 'peak') {
    peak = Math.max(peak, process.memoryUsage().rss);
    process.send!({ baseline, peak, bodyReceived });
  } else if (msg.cmd === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send!({ port: server.address.port });
