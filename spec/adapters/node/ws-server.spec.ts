// `ws` given the HTTP server, `new WebSocketServer({ server })`, the way most
// apps add WebSockets beside their HTTP routes: ws listens for the server's
// 'upgrade' events and takes the socket over. Echo of text and binary, large
// fragmented messages, permessage-deflate, ping/pong and a heartbeat, close
// codes both ways, terminate(), several clients with a broadcast, verifyClient
// and `path` refusals, frames riding in the upgrade request's packet, an idle
// WebSocket past the HTTP timeouts, and shutdown (clients closed with 1001,
// wss.close(), server.close(), which waits for open WebSockets). Clients are
// ws's own WebSocket on 127.0.0.1, or raw bytes where the packet matters.
// Every test runs on node:http's createServer too (both-servers.ts), which is
// how these tests were checked: both runs pass on node:http.

import type http from 'node:http';
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { request } from 'undici';
import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import { listen, onBothServers, once, type Side } from './both-servers.js';

interface Setup {
  server: http.Server;
  wss: WebSocketServer;
  url: string;
  port: number;
}

/** An HTTP server with a plain route and a WebSocketServer attached to it. */
const setup = async (t: ExecutionContext, side: Side, options: Omit<ServerOptions, 'server'> = {}): Promise<Setup> => {
  const server = side.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`http ${req.method} ${req.url}`);
  });
  const wss = new WebSocketServer({ server, ...options });
  t.teardown(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  const port = await listen(t, server);
  return { server, wss, url: `ws://127.0.0.1:${port}`, port };
};

/** An open client, terminated when the test ends. */
const connect = async (t: ExecutionContext, url: string, options?: ConstructorParameters<typeof WebSocket>[2]): Promise<WebSocket> => {
  const ws = new WebSocket(url, options);
  dropAtTeardown(t, ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
};

/** terminate() on a socket still connecting emits 'error': expected at teardown. */
const dropAtTeardown = (t: ExecutionContext, ws: WebSocket): void => {
  t.teardown(() => {
    ws.on('error', () => {});
    ws.terminate();
  });
};

const echo = (wss: WebSocketServer): void => {
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
};

const nextMessage = async (ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> => {
  const [data, isBinary] = await once<[RawData, boolean]>(ws, 'message');
  return { data: Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), isBinary };
};

onBothServers('echo: text and binary frames, a 1 MiB message, and HTTP on the same server', async (t, s) => {
  const { wss, url, port } = await setup(t, s);
  const seen: Array<{ url?: string; remote?: string; origin?: string }> = [];
  wss.on('connection', (_ws, req) => seen.push({ url: req.url, remote: req.socket.remoteAddress, origin: req.headers.origin }));
  echo(wss);
  const ws = await connect(t, `${url}/chat?room=1`, { origin: 'http://example.test' });
  t.deepEqual(seen, [{ url: '/chat?room=1', remote: '127.0.0.1', origin: 'http://example.test' }]);

  ws.send('héllo');
  t.deepEqual(await nextMessage(ws), { data: Buffer.from('héllo'), isBinary: false });
  const bytes = Buffer.from([0, 1, 2, 255, 254]);
  ws.send(bytes);
  t.deepEqual(await nextMessage(ws), { data: bytes, isBinary: true });
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  // Sent as fragments: a first frame then continuations.
  ws.send(big.subarray(0, 300_000), { fin: false });
  ws.send(big.subarray(300_000), { fin: true });
  const back = await nextMessage(ws);
  t.true(back.isBinary);
  t.true(back.data.equals(big));

  const res = await request(`http://127.0.0.1:${port}/plain?x=1`);
  t.is(await res.body.text(), 'http GET /plain?x=1');
  t.deepEqual(s.errors, []);
});

onBothServers('permessage-deflate is negotiated and compressed messages round-trip', async (t, s) => {
  const { wss, url } = await setup(t, s, { perMessageDeflate: { threshold: 0 } });
  echo(wss);
  const ws = await connect(t, url, { perMessageDeflate: true });
  t.regex(ws.extensions, /permessage-deflate/);
  const text = 'compress me '.repeat(5_000);
  ws.send(text);
  const back = await nextMessage(ws);
  t.is(back.data.toString(), text);
});

onBothServers('ping and pong both ways, and a heartbeat that terminates a client that stopped answering', async (t, s) => {
  const { wss, url } = await setup(t, s);
  const serverSide = once<[WebSocket]>(wss, 'connection');
  const ws = await connect(t, url);
  const [peer] = await serverSide;

  const serverGotPing = once<[Buffer]>(peer, 'ping');
  const clientGotPong = once<[Buffer]>(ws, 'pong');
  ws.ping('are you there');
  t.is((await serverGotPing)[0].toString(), 'are you there');
  t.is((await clientGotPong)[0].toString(), 'are you there', 'ws answers pings by itself');

  const clientGotPing = once<[Buffer]>(ws, 'ping');
  const serverGotPong = once<[Buffer]>(peer, 'pong');
  peer.ping('heartbeat');
  t.is((await clientGotPing)[0].toString(), 'heartbeat');
  t.is((await serverGotPong)[0].toString(), 'heartbeat');

  // ws's documented heartbeat: a client that lets a ping go unanswered is terminated.
  const silent = await connect(t, url, { autoPong: false });
  const [silentPeer] = [...wss.clients].filter((c) => c !== peer);
  let alive = false;
  silentPeer!.on('pong', () => (alive = true));
  const silentPeerClosed = once(silentPeer!, 'close');
  silentPeer!.ping();
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (!alive) silentPeer!.terminate();
  const [code] = await once<[number]>(silent, 'close');
  t.is(code, 1006, 'terminated: no close frame');
  await silentPeerClosed;
  t.deepEqual([...wss.clients], [peer]);
});

onBothServers('close codes and reasons both ways; terminate() without a close frame', async (t, s) => {
  const { wss, url } = await setup(t, s);
  const peers: WebSocket[] = [];
  wss.on('connection', (ws) => peers.push(ws));

  const a = await connect(t, url);
  const peerClosed = once<[number, Buffer]>(await waitForPeer(peers, 0), 'close');
  a.close(4001, 'bye from client');
  const [code, reason] = await peerClosed;
  t.is(code, 4001);
  t.is(reason.toString(), 'bye from client');
  t.deepEqual(await once<[number, Buffer]>(a, 'close').then(([c, r]) => [c, r.toString()]), [4001, 'bye from client']);

  const b = await connect(t, url);
  const bClosed = once<[number, Buffer]>(b, 'close');
  (await waitForPeer(peers, 1)).close(1000, 'bye from server');
  const [bCode, bReason] = await bClosed;
  t.is(bCode, 1000);
  t.is(bReason.toString(), 'bye from server');

  const c = await connect(t, url);
  const cClosed = once<[number]>(c, 'close');
  (await waitForPeer(peers, 2)).terminate();
  t.is((await cClosed)[0], 1006);
});

const waitForPeer = async (peers: WebSocket[], i: number): Promise<WebSocket> => {
  for (let tries = 0; peers[i] === undefined && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  return peers[i]!;
};

onBothServers('several clients: a broadcast reaches each one, in order', async (t, s) => {
  const { wss, url } = await setup(t, s);
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      for (const client of wss.clients) client.send(`${String(data)} (to ${wss.clients.size})`);
    }),
  );
  const clients = await Promise.all(Array.from({ length: 5 }, () => connect(t, url)));
  t.is(wss.clients.size, 5);
  const received = clients.map((ws) => {
    const got: string[] = [];
    ws.on('message', (d) => got.push(String(d)));
    return got;
  });
  for (let i = 0; i < 3; i++) clients[i]!.send(`m${i}`);
  for (let tries = 0; received.some((r) => r.length < 3) && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  for (const got of received) t.deepEqual(got, ['m0 (to 5)', 'm1 (to 5)', 'm2 (to 5)']);
});

onBothServers('verifyClient refuses with a status; `path` answers 400 to other paths', async (t, s) => {
  const { url } = await setup(t, s, {
    path: '/ws',
    verifyClient: (info, cb) => (info.req.headers.authorization === 'Bearer ok' ? cb(true) : cb(false, 401, 'Unauthorized')),
  });
  const refused = async (target: string, headers?: Record<string, string>): Promise<number> => {
    const ws = new WebSocket(target, { headers });
    dropAtTeardown(t, ws);
    const [, res] = await once<[unknown, http.IncomingMessage]>(ws, 'unexpected-response');
    res.resume();
    return res.statusCode!;
  };
  t.is(await refused(`${url}/ws`), 401);
  t.is(await refused(`${url}/elsewhere`, { authorization: 'Bearer ok' }), 400);
  const ws = await connect(t, `${url}/ws`, { headers: { authorization: 'Bearer ok' } });
  t.is(ws.readyState, WebSocket.OPEN);
});

onBothServers('shutdown: clients closed with 1001, wss.close(), then server.close() completes', async (t, s) => {
  const { server, wss, url } = await setup(t, s);
  echo(wss);
  const clients = await Promise.all([connect(t, url), connect(t, url), connect(t, url)]);
  const codes = Promise.all(clients.map((ws) => once<[number]>(ws, 'close').then(([code]) => code)));
  for (const client of wss.clients) client.close(1001, 'server going away');
  const wssClosed = new Promise<void>((resolve) => wss.close(() => resolve()));
  const serverClosed = new Promise<Error | undefined>((resolve) => server.close((err) => resolve(err)));
  t.deepEqual(await codes, [1001, 1001, 1001]);
  await wssClosed;
  t.is(await serverClosed, undefined);
  t.false(server.listening);
});

onBothServers("an idle WebSocket outlives the server's HTTP timeouts (keepAliveTimeout, headersTimeout, requestTimeout)", async (t, s) => {
  const server = s.createServer((_req, res) => res.end('http'));
  server.keepAliveTimeout = 200;
  server.headersTimeout = 300;
  server.requestTimeout = 400;
  const wss = new WebSocketServer({ server });
  t.teardown(() => wss.close());
  echo(wss);
  const port = await listen(t, server);
  const ws = await connect(t, `ws://127.0.0.1:${port}`);
  let closed = false;
  ws.on('close', () => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  t.false(closed);
  ws.send('still here');
  t.is(String((await nextMessage(ws)).data), 'still here');
});

onBothServers('server.close() waits for open WebSockets, which closeAllConnections() leaves alone (they are no longer HTTP)', async (t, s) => {
  const { server, wss, url } = await setup(t, s);
  echo(wss);
  const ws = await connect(t, url);
  let closedAt: number | null = null;
  const startedAt = Date.now();
  server.close(() => (closedAt = Date.now()));
  server.closeAllConnections();
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(closedAt, null, 'still open: a WebSocket is connected');
  t.is(ws.readyState, WebSocket.OPEN);
  ws.send('after close()');
  t.is(String((await nextMessage(ws)).data), 'after close()');
  const connections = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  t.is(connections, 1);
  for (const client of wss.clients) client.close(1001);
  await once(ws, 'close');
  for (let tries = 0; closedAt === null && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.not(closedAt, null, 'close() completed once the WebSocket closed');
  t.true(closedAt! - startedAt >= 300);
});

onBothServers("frames sent in the upgrade request's own packet reach ws as the 'upgrade' event's head", async (t, s) => {
  const { server, wss, port } = await setup(t, s);
  echo(wss);
  const heads: number[] = [];
  server.on('upgrade', (_req: http.IncomingMessage, _socket: unknown, head: Buffer) => heads.push(head.length));
  // A client frame is masked (RFC 6455 §5.3): a text frame, FIN set, 4-byte mask.
  const frame = (text: string): Buffer => {
    const payload = Buffer.from(text);
    const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]);
  };
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.write(
    Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
      frame('one'),
      frame('two'),
    ]),
  );
  // The echoes, unmasked server frames.
  const expected = Buffer.from([0x81, 3, ...Buffer.from('one'), 0x81, 3, ...Buffer.from('two')]);
  for (let tries = 0; !received.subarray(-expected.length).equals(expected) && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  const [head, frames] = [received.subarray(0, received.indexOf('\r\n\r\n') + 4), received.subarray(received.indexOf('\r\n\r\n') + 4)];
  t.regex(head.toString('latin1'), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.deepEqual(heads, [18]);
  t.deepEqual(frames, expected);
});
