// The component server (gateway/server.ts) end to end: serving over TCP and a
// Unix socket, a mount table, its address and url, listen errors, the
// connection cap, and a few wire checks (duplicate Host, pipelining).

import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, request } from 'undici';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import { delay, openSession } from '../helpers/fixtures-session.js';
import type { App } from '../../gateway/index.js';

const hello: App = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'Hello World!' });

test('serves a native app to undici', async (t) => {
  const { url } = await startServer(t, { app: hello });
  const res = await request(url + '/anything');
  t.is(res.statusCode, 200);
  t.is(res.headers['content-length'], '12');
  t.truthy(res.headers['date']);
  t.is(await res.body.text(), 'Hello World!');
});

test('a duplicate Host is a 400 and the connection closes', async (t) => {
  const { port } = await startServer(t, { app: hello });
  const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  t.is(r.responses[0]?.status, 400);
  t.is(header(r.responses[0]!, 'connection'), 'close');
  t.true(r.closed);
});

test('ten pipelined requests in one write are answered in order', async (t) => {
  const app: App = (env) => ({ status: 200, body: env.pathInfo });
  const { port } = await startServer(t, { app });
  let req = '';
  for (let i = 0; i < 10; i++) req += `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const r = await exchange(port, req, { expectResponses: 10 });
  t.deepEqual(r.responses.map((x) => x.body.toString()), Array.from({ length: 10 }, (_, i) => `/${i}`));
  t.false(r.closed);
});

test('listens on a Unix socket path', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'p.sock');
  const { server } = await startServer(t, { path: socketPath, app: (env) => ({ status: 200, body: `${env.serverName}|${env.remoteAddress}` }) });
  t.is(server.address.path, socketPath);
  t.is(server.url, 'http://localhost');
  const client = new Client('http://localhost', { socketPath });
  t.teardown(() => client.close());
  const res = await client.request({ path: '/', method: 'GET' });
  t.is(res.statusCode, 200);
  t.regex(await res.body.text(), /^localhost\|/);
});

test('a mount table as `app`, and the address and url of a TCP listener', async (t) => {
  const { server, port } = await startServer(t, { app: { '/a': () => ({ status: 200, body: 'a' }) } });
  t.deepEqual(server.address, { host: '127.0.0.1', port });
  t.is(server.url, `http://127.0.0.1:${port}`);
  const r = await exchange(port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2 });
  t.deepEqual(r.responses.map((x) => x.status), [200, 404]);
});

test('listen errors reject serve()', async (t) => {
  const { port } = await startServer(t, { app: hello });
  const err = await t.throwsAsync(startServer(null, { port, app: hello }));
  t.is((err as NodeJS.ErrnoException).code, 'EADDRINUSE');
});

test('maxConnections refuses connections past the cap', async (t) => {
  const { port, server } = await startServer(t, { app: hello, maxConnections: 2 });
  const a = await openSession(port);
  const b = await openSession(port);
  await a.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await b.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && server.connectionCount < 2; i++) await delay(10);
  const c = await openSession(port);
  await c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await c.waitClosed(5000);
  t.is(c.received.length, 0);
  t.is(server.connectionCount, 2);
  for (const s of [a, b]) s.destroy();
});
