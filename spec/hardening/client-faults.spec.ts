// Clients that misbehave: they leave at every phase, never read, trickle their
// headers, hoard idle connections, or pipeline a thousand requests. The server
// must notice, free what they held, tell the app (signal, body errors), and keep
// serving everyone else.

import test from 'ava';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import { startChildServer } from './child-server.js';
import type { App, Server } from '../../gateway/index.js';

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

const until = async (what: string, check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};

const noConnections = (server: Server) => until('connections to close', () => server.connectionCount === 0);

test('a client that leaves mid-headers frees its connection', async (t) => {
  const { port, server, url } = await startServer(t, { app: () => ({ status: 200, body: 'ok' }) });
  const s = await connect(port);
  s.write('GET / HTTP/1.1\r\nHost: x\r\nX-Partial: ab');
  await until('the server to see the connection', () => server.connectionCount === 1);
  s.destroy();
  await noConnections(server);
  t.is(await (await request(url)).body.text(), 'ok');
});

test('a client that leaves mid-body fails the body read and aborts the signal', async (t) => {
  let bodyError: unknown = null;
  let aborted = false;
  const app: App = async (env, res) => {
    res.signal.addEventListener('abort', () => (aborted = true));
    try {
      await env.body.bytes();
    } catch (err) {
      bodyError = err;
    }
  };
  const { port, server } = await startServer(t, { app });
  const s = await connect(port);
  s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(100));
  await sleep(50);
  s.destroy();
  await until('the app to see the failure', () => bodyError !== null && aborted);
  // A FIN mid-body is ERR_BODY_ABORTED (400 to a half-closed client); a reset is ERR_CLIENT_GONE.
  t.true(['ERR_BODY_ABORTED', 'ERR_CLIENT_GONE'].includes((bodyError as { code?: string }).code ?? ''));
  await noConnections(server);
});

test('a client that leaves mid-response wakes a producer waiting for drain, and onClose reports it', async (t) => {
  let closedWith: unknown = null;
  let loopEnded = false;
  const app: App = async (_env, res) => {
    res.onClose((err) => (closedWith = err));
    res.writeHead(200);
    const chunk = Buffer.alloc(256 * 1024);
    while (!res.aborted) {
      if (!res.write(chunk)) await new Promise<void>((r) => res.onDrain(r));
    }
    loopEnded = true;
  };
  const { port, server } = await startServer(t, { app });
  const s = await connect(port);
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => s.once('data', r));
  s.destroy();
  await until('the producer loop to end', () => loopEnded);
  t.true(closedWith instanceof Error);
  await noConnections(server);
});

test('a client that never reads is cut after the send timeout, and memory stays bounded', async (t) => {
  const child = await startChildServer({ app: 'flood', timeouts: { sendMs: 1000 } });
  t.teardown(() => child.stop());
  const before = await child.stats();
  const s = await connect(child.port);
  s.on('error', () => {});
  t.teardown(() => s.destroy());
  s.pause(); // never read (a paused socket does not notice the server's close either)
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  let peak = 0;
  let stats = await child.stats();
  const deadline = Date.now() + 15_000;
  let seen = false;
  while (Date.now() < deadline) {
    stats = await child.stats();
    peak = Math.max(peak, stats.rss);
    if (stats.connections === 1) seen = true;
    if (seen && stats.connections === 0) break;
    await sleep(100);
  }
  t.true(seen, 'the server accepted the connection');
  t.is(stats.connections, 0, 'the server cut the connection of a client that never reads');
  const growth = peak - before.rss;
  t.log(`peak RSS growth with a client that never reads: ${(growth / 1048576).toFixed(1)} MiB`);
  t.true(growth < 64 * 1024 * 1024);
});

test('slowloris: a head trickled a byte at a time gets 408 and a close', async (t) => {
  const { port } = await startServer(t, { app: () => ({ status: 200 }), timeouts: { headersMs: 400 } });
  const s = await connect(port);
  const got: Buffer[] = [];
  s.on('data', (d) => got.push(d));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.on('error', () => {});
  const head = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(100);
  for (const ch of head) {
    if (s.destroyed || s.readableEnded) break;
    s.write(ch);
    await sleep(30);
    if (got.length > 0) break;
  }
  await Promise.race([closed, sleep(5000)]);
  const text = Buffer.concat(got).toString();
  t.regex(text, /^HTTP\/1\.1 408 /);
  t.regex(text, /connection: close/i);
});

test('a thousand pipelined requests in one write are answered in order', async (t) => {
  const app: App = (env) => ({ status: 200, body: env.queryString });
  const { port } = await startServer(t, { app });
  let req = '';
  for (let i = 0; i < 1000; i++) req += `GET /?${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const r = await exchange(port, req, { expectResponses: 1000, timeoutMs: 20_000, settleMs: 100 });
  t.is(r.responses.length, 1000);
  t.true(r.responses.every((x, i) => x.body.toString() === String(i)));
});

test('10,000 idle keep-alive connections are held, counted and released; a cap refuses the excess', async (t) => {
  const child = await startChildServer({ app: 'hello', timeouts: { keepAliveMs: 60_000 }, maxConnections: 10_000 });
  t.teardown(() => child.stop());
  const before = await child.stats();
  const sockets: net.Socket[] = [];
  const N = 10_000;
  for (let i = 0; i < N; i += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, N - i) }, () => connect(child.port)));
    for (const s of batch) s.on('error', () => {});
    sockets.push(...batch);
  }
  let stats = await child.stats();
  for (let tries = 0; stats.connections < N && tries < 200; tries++) {
    await sleep(25);
    stats = await child.stats();
  }
  t.is(stats.connections, N);
  t.log(`RSS per idle connection: ${((stats.rss - before.rss) / N / 1024).toFixed(2)} KiB`);
  // One more is over the cap: the server drops it.
  const extra = net.connect(child.port, '127.0.0.1');
  extra.on('error', () => {});
  const extraClosed = await Promise.race([new Promise<boolean>((r) => extra.once('close', () => r(true))), sleep(3000).then(() => false)]);
  t.true(extraClosed, 'the connection over the cap is closed');
  for (const s of sockets) s.destroy();
  for (let tries = 0; (await child.stats()).connections > 0 && tries < 400; tries++) await sleep(25);
  const after = await child.stats();
  t.is(after.connections, 0);
  t.true(after.fds <= before.fds + 2, `fds back to the start (${before.fds} → ${after.fds})`);
});
