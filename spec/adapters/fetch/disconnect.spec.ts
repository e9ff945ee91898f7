// A Fetch handler learns that its client is gone: request.signal aborts when
// the client closes its side (a FIN: curl on Ctrl-C, a closed tab) while the
// response is pending, and on a reset. The engine makes the rule (a FIN while a
// request is in flight aborts the exchange, unless allowHalfOpen); these tests
// hold the Fetch side to it, with a plain handler and with Hono's
// c.req.raw.signal, from raw sockets that end() or reset.

import test from 'ava';
import net from 'node:net';
import { Hono } from 'hono';
import { fetchApp, type FetchHandler } from '../../../adapters/fetch/index.js';
import { startServer } from '../../helpers/server.js';
import { eventually } from './helpers.js';

interface Watch {
  started: Promise<void>;
  aborted: () => boolean;
  reason: () => unknown;
  handler: FetchHandler;
}

/** A handler that never answers on its own; it resolves `started` and records the abort. */
const waitingHandler = (): Watch => {
  let aborted = false;
  let reason: unknown;
  let start!: () => void;
  const started = new Promise<void>((r) => (start = r));
  const handler: FetchHandler = (req) =>
    new Promise<Response>((resolve) => {
      req.signal.addEventListener('abort', () => {
        aborted = true;
        reason = req.signal.reason;
        resolve(new Response('too late'));
      });
      start();
    });
  return { started, aborted: () => aborted, reason: () => reason, handler };
};

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });

test('a FIN while the response is pending aborts request.signal', async (t) => {
  const w = waitingHandler();
  const { port } = await startServer(t, { mounts: { '/f': fetchApp(w.handler) } });
  const socket = await connect(port);
  socket.on('error', () => {});
  socket.write('GET /f/wait HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await w.started;
  socket.end();
  await eventually(() => w.aborted(), 5_000);
  t.true(w.aborted());
  t.true(w.reason() instanceof Error);
  socket.destroy();
});

test('a reset while the response is pending aborts request.signal', async (t) => {
  const w = waitingHandler();
  const { port } = await startServer(t, { mounts: { '/f': fetchApp(w.handler) } });
  const socket = await connect(port);
  socket.on('error', () => {});
  socket.write('GET /f/wait HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await w.started;
  socket.resetAndDestroy();
  await eventually(() => w.aborted(), 5_000);
  t.true(w.aborted());
});

test('Hono: a handler waiting on c.req.raw.signal sees the abort when the client sends a FIN', async (t) => {
  let aborted = false;
  let start!: () => void;
  const started = new Promise<void>((r) => (start = r));
  const app = new Hono();
  app.get('/poll', (c) =>
    new Promise<Response>((resolve) => {
      c.req.raw.signal.addEventListener('abort', () => {
        aborted = true;
        resolve(c.text('gone'));
      });
      start();
    }),
  );
  const { port } = await startServer(t, { mounts: { '/hono': fetchApp(app) } });
  const socket = await connect(port);
  socket.on('error', () => {});
  socket.write('GET /hono/poll HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await started;
  socket.end();
  await eventually(() => aborted, 5_000);
  t.true(aborted);
  socket.destroy();
});

test('a FIN after the request, with the response already sent, aborts nothing', async (t) => {
  let signal: AbortSignal | null = null;
  const { port } = await startServer(t, {
    mounts: {
      '/f': fetchApp((req) => {
        signal = req.signal;
        return new Response('done');
      }),
    },
  });
  const socket = await connect(port);
  const got: Buffer[] = [];
  socket.on('data', (d: Buffer) => got.push(d));
  socket.write('GET /f/x HTTP/1.1\r\nHost: example.test\r\n\r\n');
  await eventually(() => Buffer.concat(got).includes('done'), 5_000);
  socket.end();
  await new Promise((r) => setTimeout(r, 100));
  t.false(signal!.aborted);
  socket.destroy();
});
