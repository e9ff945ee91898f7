// Libraries that take the HTTP server itself, on portico/node's createServer():
// socket.io (engine.io takes over the server's 'request' listeners for its
// polling transport and 'upgrade' for WebSockets), and http-proxy-middleware in
// an Express app, plain requests and WebSockets (its upgrade handler on the
// server's 'upgrade'). ws given the server: ws-server.spec.ts; Fastify:
// fastify.spec.ts.

import http from 'node:http';
import test from 'ava';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Server as SocketIoServer } from 'socket.io';
import { io as socketIoClient } from 'socket.io-client';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { listen } from './both-servers.js';
import { createServer } from '../../../gateway/node-entry.js';

/** Opens a WebSocket, sends `messages`, and collects as many replies. */
const converse = (url: string, messages: string[], expect = messages.length): Promise<string[]> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const replies: string[] = [];
    ws.on('open', () => messages.forEach((m) => ws.send(m)));
    ws.on('message', (m) => {
      replies.push(m.toString());
      if (replies.length === expect) {
        ws.close();
        resolve(replies);
      }
    });
    ws.on('error', reject);
  });

test('socket.io on createServer(): events and acknowledgements over polling and over WebSocket', async (t) => {
  const server = createServer((_req, res) => res.end('not socket.io'));
  const ioServer = new SocketIoServer(server);
  ioServer.on('connection', (socket) => {
    socket.on('add', (a: number, b: number, ack: (sum: number) => void) => ack(a + b));
    socket.emit('hello', socket.conn.transport.name);
  });
  t.teardown(() => void ioServer.close());
  const port = await listen(t, server);
  for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
    const client = socketIoClient(`http://127.0.0.1:${port}`, { transports, reconnection: false, forceNew: true });
    const hello = await new Promise<string>((resolve, reject) => {
      client.on('hello', resolve);
      client.on('connect_error', reject);
    });
    t.is(hello, transports[0], transports.join('+'));
    const sum = await client.timeout(5000).emitWithAck('add', 2, 3);
    t.is(sum, 5, transports.join('+'));
    client.close();
  }
  t.is(await (await request(`http://127.0.0.1:${port}/other`)).body.text(), 'not socket.io');
});

test('http-proxy-middleware in Express on createServer(): requests, bodies and WebSockets reach the upstream', async (t) => {
  const upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body, host: req.headers.host })));
  });
  const upstreamWss = new WebSocketServer({ server: upstream });
  upstreamWss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`upstream ${req.url} ${m.toString()}`)));
  t.teardown(() => void upstreamWss.close());
  const upstreamPort = await listen(t, upstream);
  const proxy = createProxyMiddleware({ target: `http://127.0.0.1:${upstreamPort}`, changeOrigin: true, ws: true, pathFilter: '/api' });
  const app = express();
  app.use(proxy);
  app.get('/local', (_req, res) => res.send('local'));
  const server = createServer(app);
  server.on('upgrade', proxy.upgrade);
  const port = await listen(t, server);
  const base = `http://127.0.0.1:${port}`;
  const posted = await request(`${base}/api/items?x=1`, { method: 'POST', body: 'payload' });
  t.deepEqual(await posted.body.json(), { method: 'POST', url: '/api/items?x=1', body: 'payload', host: `127.0.0.1:${upstreamPort}` });
  t.is(await (await request(`${base}/local`)).body.text(), 'local');
  t.deepEqual(await converse(`ws://127.0.0.1:${port}/api/ws`, ['ping']), ['upstream /api/ws ping']);
});
