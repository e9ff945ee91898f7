// The client side of the protocol against a FastCGI application written for
// the test (fake-app.ts): connections kept with FCGI_KEEP_CONN and reused,
// records of another request id on the same connection ignored, ABORT_REQUEST
// when the client leaves, and every way an application can fail mapped to a
// status and a log line (protocol error, FCGI_OVERLOADED, no header block, a
// close mid-answer, silence past the read timeout, nobody listening).

import os from 'node:os';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { request } from 'undici';
import { fastcgiApp, type FastCgiOptions } from '../../../adapters/fastcgi/index.js';
import { startServer } from '../../helpers/server.js';
import { captureLog, eventually } from './helpers.js';
import { endRecord, startFakeApp, type Answer, type FakeApp } from './fake-app.js';

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-fcgi-fake-root-'));
fs.writeFileSync(path.join(ROOT, 'index.php'), '');
fs.writeFileSync(path.join(ROOT, 'app.php'), '');
test.after.always(() => fs.rmSync(ROOT, { recursive: true, force: true }));

const start = async (t: ExecutionContext, answer: Answer, options: Partial<FastCgiOptions> = {}) => {
  const fake = await startFakeApp(answer);
  t.teardown(() => fake.close());
  const log = captureLog();
  const app = fastcgiApp({ address: fake.address, root: ROOT, ...options });
  t.teardown(() => app.close());
  const server = await startServer(t, { mounts: { '/': app }, logger: log });
  return { ...server, fake, log, app };
};

const hello: Answer = (req, reply) => {
  reply.stdout(`Content-Type: text/plain\r\n\r\nhello ${req.id} ${req.params['SCRIPT_NAME']}`);
  reply.end();
};

test('connections are kept (FCGI_KEEP_CONN) and reused for the next requests', async (t) => {
  const { url, fake } = await start(t, hello);
  for (let i = 0; i < 5; i++) {
    const r = await request(`${url}/app.php`);
    t.is(await r.body.text(), `hello ${i + 1} /app.php`);
  }
  t.is(fake.connections, 1);
  t.true(fake.requests.every((r) => r.keepConn && r.connection === 1));
  t.deepEqual(fake.requests.map((r) => r.id), [1, 2, 3, 4, 5]);
});

test('the pool is bounded: concurrent requests beyond maxConnections wait for a free connection', async (t) => {
  let open = 0;
  let most = 0;
  const { url, fake } = await start(
    t,
    (req, reply) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        hello(req, reply);
      }, 30);
    },
    { maxConnections: 2 },
  );
  const bodies = await Promise.all(Array.from({ length: 8 }, () => request(`${url}/app.php`).then((r) => r.body.text())));
  t.is(bodies.length, 8);
  t.true(bodies.every((b) => b.startsWith('hello ')));
  t.is(fake.connections, 2);
  t.is(most, 2);
});

test('the queue is bounded in number and time: full gives 503 at once, a wait past queueTimeoutMs 503, and a client that leaves gives up its place', async (t) => {
  const held: Array<() => void> = [];
  const { url, fake, app } = await start(t, (req, reply) => held.push(() => hello(req, reply)), { maxConnections: 1, maxQueued: 1, queueTimeoutMs: 300 });
  const first = request(`${url}/app.php`);
  t.true(await eventually(() => fake.requests.length === 1));
  // A client that leaves while queued: its place is free again, so the next one is queued, not refused.
  const leaving = new AbortController();
  // The queue is watched through the app's stats (not by sleeping, which a loaded machine outruns).
  const queuedNow = () => app.stats().queued;
  const left = request(`${url}/app.php`, { signal: leaving.signal }).catch((err: Error) => err.name);
  t.true(await eventually(() => queuedNow() === 1), 'the leaving request is queued');
  leaving.abort();
  t.is(await left, 'AbortError');
  t.true(await eventually(() => queuedNow() === 0), 'its place is given up');
  const queuedAt = Date.now();
  const queued = request(`${url}/app.php`).then(async (r) => ({ status: r.statusCode, body: await r.body.text(), ms: Date.now() - queuedAt }));
  t.true(await eventually(() => queuedNow() === 1), 'the next request is queued, not refused');
  const full = await request(`${url}/app.php`);
  await full.body.dump();
  t.is(full.statusCode, 503, 'the queue holds one request');
  const timedOut = await queued;
  t.is(timedOut.status, 503);
  t.true(timedOut.ms >= 280 && timedOut.ms < 2_000, `503 after ${timedOut.ms} ms`);
  held.shift()!();
  t.is(await (await first).body.text(), 'hello 1 /app.php');
  // With the connection free, the next request is answered on it.
  const after = request(`${url}/app.php`).then((r) => r.body.text());
  t.true(await eventually(() => held.length === 1));
  held.shift()!();
  t.is(await after, 'hello 2 /app.php');
});

test('close() keeps no connection but serves what comes: a waiting request is answered, and no connection is reused after it', async (t) => {
  const { url, fake, app } = await start(t, (req, reply) => setTimeout(() => hello(req, reply), 150), { maxConnections: 1 });
  const first = request(`${url}/app.php`).then((r) => r.body.text());
  const second = request(`${url}/app.php`).then((r) => r.body.text());
  t.true(await eventually(() => fake.requests.length === 1));
  await app.close();
  // The second waited for the only connection: it gets it, then the connection is closed.
  t.deepEqual(await Promise.all([first, second]), ['hello 1 /app.php', 'hello 2 /app.php']);
  t.deepEqual(fake.requests.map((r) => r.connection), [1, 1]);
  t.is(await (await request(`${url}/app.php`)).body.text(), 'hello 1 /app.php', 'a request after close() opens a connection of its own');
  t.is(fake.connections, 2);
});

test('records of another request id on the same connection do not break the answer', async (t) => {
  const { url } = await start(t, (req, reply) => {
    reply.stdout('Content-Type: text/plain\r\n\r\npart one, ');
    reply.stdout('STRAY OUTPUT', req.id + 100);
    reply.stderr('stray stderr\n', req.id + 100);
    reply.raw(endRecord(req.id + 100, 0, 0));
    reply.stdout('part two');
    reply.end();
  });
  const r = await request(`${url}/app.php`);
  t.is(await r.body.text(), 'part one, part two');
  const again = await request(`${url}/app.php`);
  t.is(await again.body.text(), 'part one, part two');
});

test('the request body arrives as STDIN, CONTENT_LENGTH set; the params carry the request', async (t) => {
  const { url, fake } = await start(t, (req, reply) => {
    reply.stdout(`Status: 202 Accepted\r\n\r\n${req.stdin.length}`);
    reply.end();
  });
  const body = Buffer.alloc(200_000, 0x61);
  const r = await request(`${url}/app.php/tail?q=1`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  t.is(r.statusCode, 202);
  t.is(await r.body.text(), '200000');
  t.like(fake.requests[0]!.params, { CONTENT_LENGTH: '200000', CONTENT_TYPE: 'text/plain', PATH_INFO: '/tail', QUERY_STRING: 'q=1', REQUEST_METHOD: 'POST' });
  t.is(fake.requests[0]!.stdin.length, 200_000);
});

test('a client that leaves mid-answer gets the request aborted with FCGI_ABORT_REQUEST; the connection is reused', async (t) => {
  let aborted = 0;
  const { port, url, fake } = await start(t, (req, reply) => {
    if (req.params['QUERY_STRING'] === 'quick') return hello(req, reply);
    reply.stdout('Content-Type: text/plain\r\n\r\nstarted');
  });
  fake.onAbort = (req, reply) => {
    aborted++;
    reply.end(0, 0, req.id);
  };
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /app.php HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => socket.once('data', r));
  // A reset, as a browser tab closing does; a bare FIN is a half-close the server may still answer.
  socket.resetAndDestroy();
  t.true(await eventually(() => aborted === 1));
  const r = await request(`${url}/app.php?quick`);
  t.regex(await r.body.text(), /^hello 2 /);
  t.is(fake.connections, 1);
});

test('an application that never ends an aborted request loses its connection after the grace period', async (t) => {
  const { port, fake } = await start(t, (_req, reply) => reply.stdout('Content-Type: text/plain\r\n\r\nstarted'), { abortGraceMs: 100 });
  let closed = false;
  fake.onAbort = (_req, reply) => reply.socket.once('close', () => (closed = true));
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /app.php HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => socket.once('data', r));
  // A reset, as a browser tab closing does; a bare FIN is a half-close the server may still answer.
  socket.resetAndDestroy();
  t.true(await eventually(() => closed));
});

test('failures: protocol error 502, FCGI_OVERLOADED 503, no header block 502, a close mid-head 502, each with a log line', async (t) => {
  const { url, log } = await start(t, (req, reply) => {
    switch (req.params['QUERY_STRING']) {
      case 'protocol':
        return reply.raw(Buffer.from([9, 6, 0, req.id, 0, 0, 0, 0]));
      case 'overloaded':
        return reply.raw(endRecord(req.id, 0, 2));
      case 'silent':
        return reply.end();
      case 'bad-head':
        reply.stdout('Not a header line\r\n\r\n');
        return reply.end();
      case 'close':
        reply.stdout('Content-Type: text/pl');
        return reply.socket.destroy();
    }
  });
  const cases: Array<[string, number, string]> = [
    ['protocol', 502, 'ERR_FCGI_CLOSED'],
    ['overloaded', 503, 'ERR_FCGI_OVERLOADED'],
    ['silent', 502, 'ERR_FCGI_NO_HEADERS'],
    ['bad-head', 502, 'ERR_FCGI_BAD_HEADERS'],
    ['close', 502, 'ERR_FCGI_CLOSED'],
  ];
  for (const [query, status, code] of cases) {
    const r = await request(`${url}/app.php?${query}`, { headers: { accept: 'application/json' } });
    t.is(r.statusCode, status, query);
    t.is(((await r.body.json()) as { error: { code: string } }).error.code, code, query);
    t.true(log.lines.some((l) => l.fields['code'] === code && l.fields['mount'] === '/' && l.fields['script'] === '/app.php'), `${query}: ${log.text()}`);
  }
});

test('an application silent past readTimeoutMs gives 504 and a log line', async (t) => {
  const { url, log } = await start(t, () => {}, { readTimeoutMs: 200 });
  const started = Date.now();
  const r = await request(`${url}/app.php`);
  await r.body.dump();
  t.is(r.statusCode, 504);
  t.true(Date.now() - started >= 180);
  t.true(log.lines.some((l) => l.fields['code'] === 'ERR_FCGI_TIMEOUT' && l.fields['timeoutMs'] === 200), log.text());
});

test('nobody listening gives 502 and a log line naming the address', async (t) => {
  const log = captureLog();
  const address = `unix:${os.tmpdir()}/portico-nobody-${process.pid}.sock`;
  const app = fastcgiApp({ address, root: ROOT });
  const { url } = await startServer(t, { mounts: { '/': app }, logger: log });
  const r = await request(`${url}/app.php`);
  t.is(r.statusCode, 502);
  t.false((await r.body.text()).includes(os.tmpdir()));
  const line = log.lines.find((l) => l.fields['code'] === 'ERR_FCGI_CONNECT');
  t.truthy(line, log.text());
  t.is(line!.message, 'cannot connect to the FastCGI application');
  t.is(line!.fields['address'], address);
  t.regex(String(line!.fields['reason']), /ENOENT|ECONNREFUSED/);
});

test('a local redirect (a lone Location path) is served as a GET of that path', async (t) => {
  const { url, fake } = await start(t, (req, reply) => {
    if (req.params['SCRIPT_NAME'] === '/app.php') reply.stdout('Location: /index.php?from=app\r\n\r\n');
    else reply.stdout(`Content-Type: text/plain\r\n\r\n${req.params['REQUEST_METHOD']} ${req.params['SCRIPT_NAME']} ${req.params['QUERY_STRING']}`);
    reply.end();
  });
  const r = await request(`${url}/app.php`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(r.statusCode, 200);
  t.is(await r.body.text(), 'GET /index.php from=app');
  t.is(fake.requests.length, 2);
});

test('without a root (fcgi:ADDRESS) every request goes to the application: SCRIPT_NAME is the mount, PATH_INFO the rest', async (t) => {
  const fake = await startFakeApp((req, reply) => {
    reply.stdout(`Content-Type: text/plain\r\n\r\n${req.params['SCRIPT_NAME']}|${req.params['PATH_INFO']}|${req.params['QUERY_STRING']}`);
    reply.end();
  });
  t.teardown(() => fake.close());
  const app = fastcgiApp({ address: fake.address });
  t.teardown(() => app.close());
  const { url } = await startServer(t, { mounts: { '/wiki': app }, logger: captureLog() });
  const r = await request(`${url}/wiki/Some/Page.txt?action=edit`);
  t.is(await r.body.text(), '/wiki|/Some/Page.txt|action=edit');
});

test('the CLI targets: fcgi:ADDRESS is checked when parsed, php:DIR must be a folder', async (t) => {
  const { parseTarget } = await import('../../../gateway/target.js');
  t.is(parseTarget('fcgi:127.0.0.1:9000', '/', 'mount /').toString(), 'fcgi:127.0.0.1:9000');
  t.is(parseTarget('fcgi:unix:/run/php/php8.2-fpm.sock', '/', 'mount /').location, 'unix:/run/php/php8.2-fpm.sock');
  t.throws(() => parseTarget('fcgi:nowhere', '/', 'mount /'), { message: /fcgi: needs an address/ });
  t.is(parseTarget(`php:${ROOT}`, '/', 'mount /').type, 'php');
  t.throws(() => parseTarget('php:/no/such/dir', '/', 'mount /'), { message: /no such directory/ });
});
