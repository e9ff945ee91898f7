// Graceful shutdown (gateway/server.ts close()): in-flight requests finish and
// are told Connection: close, idle keep-alive connections are closed, new
// connections are refused, waitUntil work is waited for, a deadline cuts what
// is left, and close() resolves (and leaves nothing behind that keeps the
// process alive).

import test from 'ava';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve, silentLogger, type App } from '../../gateway/index.js';
import { header } from '../helpers/response-reader.js';
import { delay, finalResponses, openSession } from '../helpers/fixtures-session.js';

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
