// The time to the response head: on by default (60 s), set server-wide by
// serve({ responseTimeoutMs }), per mount by its own responseTimeoutMs (0: none),
// and never cutting a response whose head went out.

import test from 'ava';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS } from '../../gateway/response-deadline.js';
import type { App } from '../../gateway/index.js';

const never: App = () => new Promise<void>(() => {});
const after = (ms: number): App => () => new Promise((r) => setTimeout(() => r({ status: 200, body: 'late but fine' }), ms));
// Sends its head at once, then a chunk every 100 ms for 800 ms.
const stream: App = (_env, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  let n = 0;
  const timer = setInterval(() => {
    res.write(`tick ${n}\n`);
    if (++n === 8) {
      clearInterval(timer);
      res.end();
    }
  }, 100);
};

test('the default is 60 s, like nginx proxy_read_timeout', (t) => {
  t.is(DEFAULT_RESPONSE_TIMEOUT_MS, 60_000);
});

test('serve({ responseTimeoutMs }) applies to every mount without its own; a mount overrides it, 0 turns it off', async (t) => {
  const { url } = await startServer(t, {
    responseTimeoutMs: 200,
    mounts: { '/never': never, '/patient': { app: after(600), responseTimeoutMs: 0 }, '/longer': { app: after(400), responseTimeoutMs: 2_000 }, '/stream': stream },
  });
  const started = performance.now();
  const timedOut = await request(`${url}/never`, { headersTimeout: 10_000 });
  t.is(timedOut.statusCode, 504);
  await timedOut.body.text();
  t.true(performance.now() - started < 5_000);
  const patient = await request(`${url}/patient`);
  t.deepEqual([patient.statusCode, await patient.body.text()], [200, 'late but fine']);
  const longer = await request(`${url}/longer`);
  t.deepEqual([longer.statusCode, await longer.body.text()], [200, 'late but fine']);
  const streamed = await request(`${url}/stream`);
  t.is(streamed.statusCode, 200);
  t.is((await streamed.body.text()).split('\n').filter(Boolean).length, 8, 'a stream past the timeout is not cut');
});
