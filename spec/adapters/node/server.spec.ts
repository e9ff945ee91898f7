// createServer() from portico/node: node:http's server object on a Portico
// server, so `http.createServer(app)` code switches by changing one import.

import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import express from 'express';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import nodeHttps from 'node:https';
import tls from 'node:tls';
import { createHttpsServer, createServer, https } from '../../../gateway/node-entry.js';
import { makeCert } from '../../helpers/tls-cert.js';
import { listen } from './both-servers.js';
import { silentLogger } from '../../../gateway/index.js';

const listening = (server: { once(e: string, cb: (...a: unknown[]) => void): unknown }): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });

test('listen(port, host, cb), address(), requests, close(cb)', async (t) => {
  const app = express();
  app.get('/hi/:who', (req, res) => res.json({ hi: req.params.who }));
  const server = createServer(app);
  t.false(server.listening);
  t.is(server.address(), null);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.true(server.listening);
  const address = server.address() as AddressInfo;
  t.is(address.address, '127.0.0.1');
  t.is(address.family, 'IPv4');
  t.true(address.port > 0);
  const res = await request(`http://127.0.0.1:${address.port}/hi/there`);
  t.deepEqual(await res.body.json(), { hi: 'there' });
  let closeEvent = false;
  server.on('close', () => (closeEvent = true));
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  t.true(closeEvent);
  t.false(server.listening);
});

test('a busy port is an \'error\' event with EADDRINUSE', async (t) => {
  const blocker = http.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const server = createServer(() => {});
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
    server.on('error', resolve);
    server.listen(port, '127.0.0.1');
  });
  t.is(err.code, 'EADDRINUSE');
  t.false(server.listening);
});

test('listen({ port, host }) with a \'request\' listener added later, like http.createServer()', async (t) => {
  const server = createServer({ portico: { logger: silentLogger } });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => res.end(`${req.method} ${req.url}`));
  server.listen({ port: 0, host: '127.0.0.1' });
  await listening(server);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x?y=1`, { method: 'DELETE' });
  t.is(await res.body.text(), 'DELETE /x?y=1');
  t.throws(() => server.listen(0), { code: 'ERR_SERVER_ALREADY_LISTEN' });
});

test('close() when not listening reports ERR_SERVER_NOT_RUNNING; a bad port throws', async (t) => {
  const server = createServer(() => {});
  const err = await new Promise<Error & { code?: string }>((resolve) => server.close((e) => resolve(e!)));
  t.is(err.code, 'ERR_SERVER_NOT_RUNNING');
  t.throws(() => server.listen(70000), { code: 'ERR_SOCKET_BAD_PORT' });
});

test('close() waits for a busy request and closes idle keep-alive connections', async (t) => {
  let release!: () => void;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const server = createServer((req, res) => {
    if (req.url === '/quick') return res.end('quick');
    res.write('begun ');
    release = () => res.end('and done');
    markStarted();
  });
  server.listen(0, '127.0.0.1');
  await listening(server);
  const port = (server.address() as AddressInfo).port;
  // An idle keep-alive connection: one answered request, then silence.
  const idle = net.connect(port, '127.0.0.1');
  idle.write('GET /quick HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => idle.once('data', r));
  const idleClosed = new Promise((r) => idle.once('close', r));
  idle.on('error', () => {});
  const pending = request(`http://127.0.0.1:${port}/`).then((r) => r.body.text());
  await started;
  const closed = new Promise<void>((r) => server.close(() => r()));
  await idleClosed;
  release();
  t.is(await pending, 'begun and done');
  await closed;
  t.false(server.listening);
});

test('close() with clients that ignore the FIN: an idle connection closes at once, a busy one (kept, as on node:http) at keepAliveTimeout and a short lingering close', async (t) => {
  let release!: () => void;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const server = createServer((req, res) => {
    if (req.url === '/quick') return res.end('quick');
    release = () => res.end('done');
    markStarted();
  });
  server.keepAliveTimeout = 300;
  server.listen(0, '127.0.0.1');
  await listening(server);
  const port = (server.address() as AddressInfo).port;
  // allowHalfOpen: the client never ends its side, as a browser keeps an idle keep-alive connection.
  const open = async (path: string) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => {});
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    return { socket: s, text: () => text, fin: new Promise<number>((r) => s.once('end', () => r(Date.now()))) };
  };
  const idle = await open('/quick');
  const busy = await open('/slow');
  t.teardown(() => [idle, busy].forEach((c) => c.socket.destroy()));
  await started;
  const closed = new Promise<number>((r) => server.close(() => r(Date.now())));
  await idle.fin;
  release();
  const finAt = await busy.fin;
  // The busy connection was not told to close: its next request would still have reached the app.
  t.regex(busy.text(), /\r\nconnection: keep-alive\r\n[\s\S]*done$/i);
  const took = (await Promise.race([closed, new Promise<number>((r) => setTimeout(r, 10_000, Infinity))])) - finAt;
  t.true(took < 4000, `close() called back ${took} ms after the last response's FIN`);
});

test('\'upgrade\' listeners receive WebSocket upgrades (ws), as on node:http', async (t) => {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo: ${m.toString()}`)));
  const server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  server.listen(0, '127.0.0.1');
  await listening(server);
  t.teardown(() => {
    wss.close();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('ping'));
    ws.on('message', (m) => resolve(m.toString()));
    ws.on('error', reject);
  });
  ws.close();
  t.is(reply, 'echo: ping');
});

test('listen(path) serves on a Unix socket; address() is the path', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-sock-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 's.sock');
  const server = createServer((req, res) => res.end(`over a unix socket: ${req.url}`));
  server.listen(socketPath);
  await listening(server);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  t.is(server.address(), socketPath);
  const body = await new Promise<string>((resolve, reject) => {
    http.get({ socketPath, path: '/u' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  t.is(body, 'over a unix socket: /u');
});

test('close() right after listen(): as node:http, bound at once without a host; with a host, not yet running', async (t) => {
  for (const create of [() => http.createServer(() => {}), () => createServer(() => {})]) {
    const bound = create();
    bound.listen(0);
    t.true(bound.listening);
    await new Promise<void>((resolve, reject) => bound.close((err) => (err ? reject(err) : resolve())));
    t.false(bound.listening);
    t.is(bound.address(), null);
    const looking = create();
    looking.listen(0, 'localhost'); // a host name is looked up first
    const err = await new Promise<(Error & { code?: string }) | undefined>((resolve) => looking.close(resolve));
    t.is(err?.code, 'ERR_SERVER_NOT_RUNNING');
    await new Promise((r) => setTimeout(r, 50));
    looking.close();
  }
});

test('createServer() is a net.Server: bound at once by listen(port), _handle, ref/unref, getConnections, \'connection\' with the socket req gets', async (t) => {
  const sockets: net.Socket[] = [];
  const server = createServer((req, res) => res.end(String(sockets.includes(req.socket as net.Socket))));
  t.true(server instanceof net.Server);
  t.true(server instanceof http.Server);
  server.on('connection', (s: net.Socket) => sockets.push(s));
  server.listen(0);
  // As node:http without a host: bound synchronously, what supertest relies on.
  t.true(server.listening);
  t.truthy((server as unknown as { _handle: unknown })._handle);
  const port = (server.address() as AddressInfo).port;
  t.true(port > 0);
  t.is(server.unref(), server);
  t.is(server.ref(), server);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const res = await request(`http://127.0.0.1:${port}/`);
  t.is(await res.body.text(), 'true');
  const count = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  t.is(count, 1);
  t.is(sockets.length, 1);
});

test('maxConnections is net.Server\'s: connections past it are dropped', async (t) => {
  const server = createServer((_req, res) => res.end('ok'));
  server.maxConnections = 1;
  const port = await listen(t, server);
  const first = net.connect(port, '127.0.0.1');
  first.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => first.once('data', r));
  const second = net.connect(port, '127.0.0.1');
  second.on('error', () => {});
  second.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const got = await new Promise<string>((resolve) => {
    let text = '';
    second.on('data', (d) => (text += d.toString()));
    second.on('close', () => resolve(text));
  });
  t.is(got, '');
  first.destroy();
});

test('closeIdleConnections() closes idle keep-alive connections; closeAllConnections() the busy ones too', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/quick') res.end('quick');
    else res.write('slow');
  });
  server.listen(0, '127.0.0.1');
  await listening(server);
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const open = async (path: string) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => s.once('data', r));
    return { socket: s, closed: new Promise<boolean>((r) => s.once('close', () => r(true))) };
  };
  const idle = await open('/quick');
  const busy = await open('/slow');
  server.closeIdleConnections();
  t.true(await idle.closed);
  t.false(busy.socket.destroyed);
  server.closeAllConnections();
  t.true(await busy.closed);
});

test('createHttpsServer() (https.createServer) is node\'s https.Server with Portico\'s engine: TLS sockets, req.protocol https', async (t) => {
  const cert = makeCert();
  const app = express();
  app.get('/', (req, res) => res.json({ protocol: req.protocol, encrypted: (req.socket as { encrypted?: boolean }).encrypted === true, cert: typeof (req.socket as { getPeerCertificate?: unknown }).getPeerCertificate }));
  for (const server of [createHttpsServer({ key: cert.key, cert: cert.cert }, app), https.createServer({ key: cert.key, cert: cert.cert }, app), createServer({ portico: { tls: { key: cert.key, cert: cert.cert } } }, app)]) {
    t.true(server instanceof tls.Server);
    const port = await listen(t, server as unknown as http.Server);
    const body = await new Promise<string>((resolve, reject) => {
      nodeHttps.get({ host: '127.0.0.1', port, path: '/', ca: cert.cert, servername: 'localhost' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    t.deepEqual(JSON.parse(body), { protocol: 'https', encrypted: true, cert: 'function' });
  }
});
