// Graceful shutdown (gateway/server.ts close()): in-flight requests finish and
// are told Connection: close, idle keep-alive connections are closed, new
// connections are refused, waitUntil work is waited for, a deadline cuts what
// is left, and close() resolves (and leaves nothing behind that keeps the
// process alive). A client that never closes its side after the server's FIN
// (a raw socket with allowHalfOpen, and Chromium, which keeps an idle
// keep-alive connection open) holds close() for no longer than the short
// lingering close that protects a last response, and not at all when idle.

import test from 'ava';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve, silentLogger, type App } from '../../gateway/index.js';
import { SHUTDOWN_LINGER_MS } from '../../core/connection-deadlines.js';
import { header, parseResponses } from '../helpers/response-reader.js';
import { delay, finalResponses, openSession } from '../helpers/fixtures-session.js';
import { needs } from '../helpers/system-program.js';
import { sharedChromium } from '../helpers/browser.js';

const connectRefused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

test('close(): in-flight requests finish with Connection: close, idle ones close, new ones are refused', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started = 0;
  const app: App = async (env) => {
    if (env.pathInfo === '/slow') {
      started++;
      await released;
    }
    return { status: 200, body: `done ${env.pathInfo}` };
  };
  const server = await serve({ port: 0, app, logger: silentLogger });
  const port = server.address.port;

  const idle = await openSession(port);
  await idle.send('GET /warm HTTP/1.1\r\nHost: x\r\n\r\n');
  await idle.waitFor(finalResponses(1));

  const busy = await openSession(port);
  await busy.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 200 && started === 0; i++) await delay(10);
  t.is(started, 1);

  let closed = false;
  const closing = server.close().then(() => (closed = true));
  await idle.waitClosed(5000);
  t.true(await connectRefused(port));
  await delay(100);
  t.false(closed, 'close() waits for the in-flight request');
  t.false(busy.closed);

  release();
  await busy.waitClosed(5000);
  const [res] = busy.responses();
  t.is(res?.status, 200);
  t.is(res?.body.toString(), 'done /slow');
  t.is(header(res!, 'connection'), 'close');
  await closing;
  t.true(closed);
  t.is(server.connectionCount, 0);
  t.is(server.close(), server.close(), 'close() is idempotent');
});

test('close(): pipelined requests behind the in-flight one are not started', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  const server = await serve({
    port: 0,
    logger: silentLogger,
    app: async (env) => {
      seen.push(env.pathInfo);
      if (env.pathInfo === '/first') await released;
      return { status: 200, body: env.pathInfo };
    },
  });
  const s = await openSession(server.address.port);
  await s.send('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 200 && seen.length === 0; i++) await delay(10);
  const closing = server.close();
  release();
  await closing;
  await s.waitClosed();
  t.deepEqual(seen, ['/first']);
  t.deepEqual(s.responses().map((r) => r.body.toString()), ['/first']);
});

test('close(): the deadline cuts requests that do not finish', async (t) => {
  const server = await serve({ port: 0, logger: silentLogger, shutdownTimeoutMs: 300, app: () => new Promise(() => {}) });
  const s = await openSession(server.address.port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await delay(100);
  const started = Date.now();
  await server.close();
  t.true(Date.now() - started >= 250);
  await s.waitClosed(5000);
  t.is(s.responses().length, 0);
});

test('close(): waits for waitUntil work, and await using disposes', async (t) => {
  let finished = false;
  const server = await serve({
    port: 0,
    logger: silentLogger,
    app: (env) => {
      (env.extensions['portico.waitUntil'] as (p: Promise<unknown>) => void)(delay(300).then(() => (finished = true)));
      return { status: 202 };
    },
  });
  const s = await openSession(server.address.port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await s.waitFor(finalResponses(1));
  s.destroy();
  await server[Symbol.asyncDispose]();
  t.true(finished);
});

test('close() after a waitUntil that never settles resolves at the deadline and leaves the process free to exit', async (t) => {
  const gateway = fileURLToPath(new URL('../../gateway/index.js', import.meta.url));
  const script = `
    const { serve, silentLogger } = await import(${JSON.stringify(gateway)});
    const server = await serve({ port: 0, logger: silentLogger, shutdownTimeoutMs: 200, app: () => ({ status: 200 }) });
    server.waitUntil(new Promise(() => {}));
    await server.close();
    console.log('closed');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await Promise.race([
    new Promise<number | null>((r) => child.on('exit', (c) => r(c))),
    delay(10_000).then(() => 'still running'),
  ]);
  if (code === 'still running') child.kill('SIGKILL');
  t.is(out.trim(), 'closed');
  t.is(code, 0, 'nothing keeps polling after close() resolved');
});

/** A raw client that ignores the server's FIN: it never ends its side (allowHalfOpen), as a browser keeps an idle connection. */
const finIgnoringClient = async (port: number) => {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const chunks: Buffer[] = [];
  const errors: string[] = [];
  socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
  socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
  const fin = new Promise<number>((r) => socket.once('end', () => r(Date.now())));
  await new Promise((r) => socket.once('connect', r));
  return { socket, fin, errors, received: () => Buffer.concat(chunks) };
};

/** Rejects when `promise` takes longer than `ms`. */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, delay(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)))]);

test('close(): an idle keep-alive connection whose client ignores the FIN is closed at once, not at the deadline', async (t) => {
  const server = await serve({ port: 0, logger: silentLogger, shutdownTimeoutMs: 10_000, app: () => ({ status: 200, body: 'hi' }) });
  const c = await finIgnoringClient(server.address.port);
  t.teardown(() => c.socket.destroy());
  c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 500 && parseResponses(c.received(), false).responses.length === 0; i++) await delay(10);
  t.is(parseResponses(c.received(), false).responses[0]?.body.toString(), 'hi');
  const started = Date.now();
  await server.close();
  const took = Date.now() - started;
  t.true(took < 2000, `close() took ${took} ms (the deadline is 10 s)`);
  await within(c.fin, 1000, 'the FIN');
  t.deepEqual(c.errors, []);
});

test('close(): a response in flight arrives whole to a client that ignores the FIN; what it sends meanwhile is dropped, and the lingering close is short', async (t) => {
  const BODY = Buffer.alloc(8 * 1024 * 1024, 'portico ');
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const seen: string[] = [];
  const server = await serve({
    port: 0,
    logger: silentLogger,
    shutdownTimeoutMs: 20_000,
    app: async (env) => {
      seen.push(env.pathInfo);
      markStarted();
      await released;
      return { status: 200, body: BODY };
    },
  });
  const c = await finIgnoringClient(server.address.port);
  t.teardown(() => c.socket.destroy());
  c.socket.pause(); // the client reads late: the end of the response is still unsent when the app finishes
  c.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
  await within(started, 5000, 'the request');
  const closing = server.close().then(() => Date.now());
  release();
  await delay(300);
  c.socket.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n'); // during the lingering close: read and dropped, no reset
  c.socket.resume();
  const finAt = await within(c.fin, 10_000, 'the FIN');
  const [res, ...more] = parseResponses(c.received(), true).responses;
  t.is(res?.status, 200);
  t.is(header(res!, 'connection'), 'close');
  t.true(res!.body.equals(BODY), `the body arrives whole (${res?.body.length} of ${BODY.length} bytes)`);
  t.is(more.length, 0);
  // The linger starts once the response is handed to the OS, so by the FIN; the sweep ticks every second.
  const took = (await within(closing, 20_000, 'close()')) - finAt;
  t.true(took < SHUTDOWN_LINGER_MS + 2000, `close() resolved ${took} ms after the FIN (the deadline is 20 s)`);
  t.deepEqual(seen, ['/first']);
  t.deepEqual(c.errors, [], 'no reset');
});

const chromium = needs('chromium');
const browser = sharedChromium(chromium.test, chromium.paths.chromium);

chromium.test('close() with Chromium holding an idle keep-alive connection resolves at once', async (t) => {
  const server = await serve({
    port: 0,
    logger: silentLogger,
    shutdownTimeoutMs: 10_000,
    app: () => ({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>t</title><h1>served</h1>' }),
  });
  const context = await browser().newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(server.url + '/');
  t.is(await page.textContent('h1'), 'served');
  t.true(server.connectionCount > 0, 'the browser keeps its connection open');
  const started = Date.now();
  await server.close();
  const took = Date.now() - started;
  t.true(took < 2000, `close() took ${took} ms (the deadline is 10 s)`);
  t.is(server.connectionCount, 0);
});
