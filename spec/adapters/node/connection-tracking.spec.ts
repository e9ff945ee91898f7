// Graceful-shutdown libraries track connections themselves: they keep the
// sockets of the server's 'connection' event and match each request to one
// through req.socket, so req.socket must be that very object, the same across
// a connection's keep-alive requests. Two of them, re-enacted step by step
// because neither is a dependency: stoppable (a request count per socket from
// 'connection' and 'request'; on stop, idle sockets end, busy ones end after
// their response) and http-terminator (on terminate, sockets with a response
// in progress, found through node's socket._httpMessage, get Connection:
// close; the others are destroyed; CONNECT sockets are told apart by
// socket.server being an http.Server). Every test runs on node:http's
// createServer too (both-servers.ts), which is how these tests were checked:
// both runs pass on node:http.

import http from 'node:http';
import type net from 'node:net';
import type { ExecutionContext } from 'ava';
import { Client } from 'undici';
import { heldRequest, listen, onBothServers, type Side } from './both-servers.js';

/** A server whose /slow requests wait for release(); the rest answer at once. */
const slowServer = (side: Side) => {
  const held = heldRequest();
  const server = side.createServer(async (req, res) => {
    if (req.url === '/slow') await held.hold();
    res.end(`done ${req.url}`);
  });
  return { server, started: held.started, release: held.release };
};

/** Two keep-alive connections: one idle after a request, one with /slow in flight. */
const idleAndBusy = async (t: ExecutionContext, port: number, started: Promise<void>) => {
  const idle = new Client(`http://127.0.0.1:${port}`);
  const busy = new Client(`http://127.0.0.1:${port}`);
  t.teardown(() => Promise.all([idle.destroy(), busy.destroy()]).then(() => undefined));
  t.is(await (await idle.request({ path: '/fast', method: 'GET' })).body.text(), 'done /fast');
  const inFlight = busy.request({ path: '/slow', method: 'GET' });
  await started;
  // In an object: returned bare, the async function's promise would wait for the response.
  return { inFlight };
};

/** Waits (a bounded while) for `size()` to reach 0. */
const drained = async (size: () => number): Promise<boolean> => {
  for (let tries = 0; size() > 0 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  return size() === 0;
};

onBothServers("req.socket is the 'connection' event's socket, the same object across keep-alive requests", async (t, s) => {
  const connections: net.Socket[] = [];
  const requests: Array<{ socket: net.Socket; written: number }> = [];
  const server = s.createServer((req, res) => {
    requests.push({ socket: req.socket, written: req.socket.bytesWritten });
    t.is(res.socket, req.socket);
    res.end('x'.repeat(100));
  });
  server.on('connection', (socket: net.Socket) => connections.push(socket));
  const port = await listen(t, server);
  const one = new Client(`http://127.0.0.1:${port}`);
  const two = new Client(`http://127.0.0.1:${port}`);
  t.teardown(() => Promise.all([one.destroy(), two.destroy()]).then(() => undefined));
  for (let i = 0; i < 3; i++) await (await one.request({ path: `/${i}`, method: 'GET' })).body.text();
  await (await two.request({ path: '/other', method: 'GET' })).body.text();
  t.is(connections.length, 2);
  t.is(requests.length, 4);
  t.true(requests.slice(0, 3).every((r) => r.socket === connections[0]));
  t.is(requests[3]!.socket, connections[1]);
  t.true(requests[1]!.written > requests[0]!.written, 'bytesWritten counts the whole connection');
  t.is(connections[0]!.remotePort, (requests[0]!.socket as net.Socket).remotePort);
});

onBothServers("stoppable's way: a request count per 'connection' socket; on stop, idle sockets end and busy ones end after their response", async (t, s) => {
  const { server, started, release } = slowServer(s);
  const pending = new Map<net.Socket, number>();
  let stopping = false;
  server.on('connection', (socket: net.Socket) => {
    pending.set(socket, 0);
    socket.once('close', () => pending.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    pending.set(req.socket, (pending.get(req.socket) ?? Number.NaN) + 1);
    res.once('finish', () => {
      const left = (pending.get(req.socket) ?? Number.NaN) - 1;
      pending.set(req.socket, left);
      if (stopping && left === 0) req.socket.end();
    });
  });
  const port = await listen(t, server);
  const { inFlight } = await idleAndBusy(t, port, started);
  t.deepEqual([...pending.values()].sort(), [0, 1], 'one idle socket, one with a request in flight');

  // stop(): close the listener, end the idle sockets now, the busy ones after their response.
  stopping = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const [socket, count] of pending) if (count === 0) socket.end();
  release();
  const res = await inFlight;
  t.is(await res.body.text(), 'done /slow');
  const startedClosing = Date.now();
  await closed;
  t.true(Date.now() - startedClosing < 3_000, 'no socket is left to time out');
  // The sockets' own 'close' events may come just after the server's.
  t.true(await drained(() => pending.size), 'every socket closed');
});

onBothServers("http-terminator's way: socket._httpMessage marks a busy socket, socket.server an HTTP one; idle ones are destroyed", async (t, s) => {
  const { server, started, release } = slowServer(s);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(t, server);
  const { inFlight } = await idleAndBusy(t, port, started);

  // terminate(), as http-terminator does it.
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  });
  let destroyed = 0;
  for (const socket of sockets) {
    t.true((socket as { server?: unknown }).server instanceof http.Server, 'socket.server is the http.Server');
    const response = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (response) {
      if (!response.headersSent) response.setHeader('connection', 'close');
      continue;
    }
    socket.destroy();
    destroyed++;
  }
  t.is(destroyed, 1, 'only the idle socket is destroyed');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  release();
  const res = await inFlight;
  t.is(res.headers.connection, 'close');
  t.is(await res.body.text(), 'done /slow');
  await closed;
  t.true(await drained(() => sockets.size), 'every socket closed');
});
