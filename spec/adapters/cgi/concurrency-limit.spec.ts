// The cap on programs running at once: slots, a bounded FIFO queue, timeouts,
// clients leaving the queue, and 503 with Retry-After past it.

import test from 'ava';
import { request } from 'undici';
import { ConcurrencyLimit } from '../../../adapters/cgi/concurrency-limit.js';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { startServer } from '../../helpers/server.js';
import { FIXTURES, captureLog, sleep } from './helpers.js';

test('slots are taken synchronously, then waiters are served in order', async (t) => {
  const limit = new ConcurrencyLimit(1, 2, 10_000);
  t.true(limit.tryAcquire());
  t.false(limit.tryAcquire());
  const order: string[] = [];
  const a = limit.wait(new AbortController().signal).then((ok) => order.push(`a:${ok}`));
  const b = limit.wait(new AbortController().signal).then((ok) => order.push(`b:${ok}`));
  t.false(await limit.wait(new AbortController().signal), 'the queue is full');
  limit.release();
  await a;
  limit.release();
  await b;
  t.deepEqual(order, ['a:true', 'b:true']);
  limit.release();
  t.is(limit.running, 0);
});

test('a waiter that times out or whose client leaves gives up its place', async (t) => {
  const limit = new ConcurrencyLimit(1, 5, 100);
  t.true(limit.tryAcquire());
  t.false(await limit.wait(new AbortController().signal), 'timed out');
  const controller = new AbortController();
  const leaving = limit.wait(controller.signal);
  const staying = limit.wait(new AbortController().signal);
  controller.abort();
  t.false(await leaving);
  limit.release();
  t.true(await staying, 'the slot went to the next waiter, not the one that left');
  const aborted = new AbortController();
  aborted.abort();
  t.false(await limit.wait(aborted.signal));
});

test('past the cap and the queue, requests get 503 with Retry-After; queued ones run later', async (t) => {
  const log = captureLog();
  const app = cgiApp({ root: FIXTURES, logger: log, maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 30_000, retryAfterSeconds: 7 });
  const { url } = await startServer(t, { mounts: { '/cgi': app } });
  const first = request(`${url}/cgi/sleep1.sh`);
  await sleep(200);
  const second = request(`${url}/cgi/sleep1.sh`);
  await sleep(200);
  const third = await request(`${url}/cgi/sleep1.sh`);
  t.is(third.statusCode, 503);
  t.is(third.headers['retry-after'], '7');
  await third.body.dump();
  for (const res of [await first, await second]) {
    t.is(res.statusCode, 200);
    t.is(await res.body.text(), 'slept\n');
  }
  t.regex(log.text(), /too many CGI programs running .*ERR_CGI_BUSY/);
});
