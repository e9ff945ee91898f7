// http-proxy-middleware (on http-proxy) in an Express app served by
// portico/node, in front of a real upstream on node:http: requests and
// streamed bodies passed through both ways, a body Express already parsed
// (fixRequestBody), Server-Sent Events arriving as the upstream sends them, a
// client that leaves taking the upstream request with it, the error answers
// http-proxy-middleware gives (504 for an upstream that is down, 502 for one
// that answers garbage), and WebSockets proxied, both through `ws: true`
// (it finds the server from req.socket.server and listens for its 'upgrade')
// and through server.on('upgrade', proxy.upgrade). Every test runs on
// node:http's createServer too (both-servers.ts), which is how these tests were
// checked: both runs pass on node:http.

import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import express from 'express';
import { createProxyMiddleware, fixRequestBody, type Options } from 'http-proxy-middleware';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { listen, onBothServers, once, type Side } from './both-servers.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
}

/** The upstream, always node:http: it reports what it received, streams events, and echoes WebSockets. */
const startUpstream = async (t: ExecutionContext) => {
  const seen: Seen[] = [];
  let sseClosed!: () => void;
  const sseClientLeft = new Promise<void>((resolve) => (sseClosed = resolve));
  let nextEvent!: () => void;
  const server = http.createServer(async (req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n');
      await new Promise<void>((resolve) => (nextEvent = resolve));
      res.write('data: second\n\n');
      // The proxy passes the client's departure on: this request closes.
      req.on('close', sseClosed);
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of req) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const entry = { method: req.method!, url: req.url!, headers: req.headers, bytes, sha256: hash.digest('hex') };
    seen.push(entry);
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-upstream', 'yes');
    res.end(JSON.stringify({ method: entry.method, url: entry.url, bytes, sha256: entry.sha256 }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `upstream ${req.url}: ${String(data)}`, { binary: isBinary })));
  t.teardown(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  const port = await listen(t, server);
  return { url: `http://127.0.0.1:${port}`, seen, sseClientLeft, sendNextEvent: () => nextEvent() };
};

/** The Express app with the proxy, on the side's server. */
const startFront = async (t: ExecutionContext, side: Side, options: Options, before?: express.RequestHandler) => {
  const app = express();
  app.get('/local', (_req, res) => res.send('local'));
  if (before) app.use(before);
  const proxy = createProxyMiddleware(options);
  app.use('/api', proxy);
  const server = side.createServer(app);
  const port = await listen(t, server);
  return { server, proxy, url: `http://127.0.0.1:${port}`, port };
};

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

onBothServers('GET and a streamed 2 MiB POST pass through, with the path rewritten and X-Forwarded-* added', async (t, s) => {
  const upstream = await startUpstream(t);
  const front = await startFront(t, s, { target: upstream.url, changeOrigin: true, xfwd: true, pathRewrite: { '^/': '/v1/' } });

  const got = await request(`${front.url}/api/users?id=7`, { headers: { 'x-client': 'c1' } });
  t.is(got.statusCode, 200);
  t.is(got.headers['x-upstream'], 'yes');
  t.like(await got.body.json(), { method: 'GET', url: '/v1/users?id=7', bytes: 0 });
  const first = upstream.seen[0]!;
  t.is(first.headers['x-client'], 'c1');
  t.is(first.headers.host, new URL(upstream.url).host, 'changeOrigin');
  t.is(first.headers['x-forwarded-for'], '127.0.0.1');
  t.is(first.headers['x-forwarded-port'], String(front.port));
  t.is(first.headers['x-forwarded-proto'], 'http');

  const body = Buffer.alloc(2 * 1024 * 1024 + 3);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const posted = await request(`${front.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: Readable.from([body.subarray(0, 65_536), body.subarray(65_536)]),
  });
  t.is(posted.statusCode, 200);
  t.deepEqual(await posted.body.json(), { method: 'POST', url: '/v1/upload', bytes: body.length, sha256: sha256(body) });
  t.is((await (await request(`${front.url}/local`)).body.text()), 'local');
  t.deepEqual(s.errors, []);
});

onBothServers('a body express.json() already read is written again with fixRequestBody', async (t, s) => {
  const upstream = await startUpstream(t);
  const front = await startFront(t, s, { target: upstream.url, on: { proxyReq: fixRequestBody } }, express.json());
  const json = JSON.stringify({ name: 'ada', langs: ['en', 'fr'] });
  const res = await request(`${front.url}/api/users`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: json });
  t.deepEqual(await res.body.json(), { method: 'PUT', url: '/users', bytes: json.length, sha256: sha256(Buffer.from(json)) });
});

onBothServers('Server-Sent Events arrive as the upstream sends them; a client that leaves closes the upstream request', async (t, s) => {
  const upstream = await startUpstream(t);
  const front = await startFront(t, s, { target: upstream.url });
  const res = await request(`${front.url}/api/events`);
  t.is(res.headers['content-type'], 'text/event-stream');
  const reader = res.body[Symbol.asyncIterator]();
  t.is(Buffer.from((await reader.next()).value as Buffer).toString(), 'data: first\n\n');
  upstream.sendNextEvent();
  t.is(Buffer.from((await reader.next()).value as Buffer).toString(), 'data: second\n\n');
  res.body.destroy();
  await Promise.race([
    upstream.sseClientLeft,
    new Promise((_, reject) => setTimeout(() => reject(new Error('the upstream request stayed open after the client left')), 5_000)),
  ]);
  t.pass();
});

onBothServers("error answers: 504 for an upstream that is down, 502 for one that answers garbage, and the proxy's 'error' event", async (t, s) => {
  // A port that was just free: nothing listens there. Without an 'error' listener http-proxy-middleware answers.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const downDefault = await startFront(t, s, { target: `http://127.0.0.1:${deadPort}` });
  const res = await request(`${downDefault.url}/api/x`);
  t.is(res.statusCode, 504);
  t.regex(await res.body.text(), /Error occurred while trying to proxy: 127\.0\.0\.1:\d+\/x/);

  // With an 'error' listener, the app answers.
  const errors: string[] = [];
  const down = await startFront(t, s, {
    target: `http://127.0.0.1:${deadPort}`,
    on: {
      error: (err, _req, res) => {
        errors.push((err as NodeJS.ErrnoException).code!);
        (res as http.ServerResponse).writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable');
      },
    },
  });
  const custom = await request(`${down.url}/api/x`);
  t.is(custom.statusCode, 503);
  t.is(await custom.body.text(), 'upstream unavailable');
  t.deepEqual(errors, ['ECONNREFUSED']);

  // An upstream that answers with something that is not HTTP.
  const garbage = net.createServer((socket) => {
    socket.once('data', () => socket.end('this is not HTTP\r\n\r\n'));
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  t.teardown(() => garbage.close());
  const bad = await startFront(t, s, { target: `http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}` });
  const badRes = await request(`${bad.url}/api/y`);
  t.is(badRes.statusCode, 502);
  await badRes.body.text();
});

onBothServers("http-proxy's `timeout` sets req.socket.setTimeout(): a slow upstream gets the client's socket destroyed", async (t, s) => {
  const slow = http.createServer((_req, res) => {
    const timer = setTimeout(() => res.end('late'), 3_000);
    res.on('close', () => clearTimeout(timer));
  });
  const port = await listen(t, slow);
  const front = await startFront(t, s, { target: `http://127.0.0.1:${port}`, timeout: 300 });
  const startedAt = Date.now();
  // No 'timeout' listener anywhere: node:http destroys the socket.
  const failed = await request(`${front.url}/api/x`).then(
    () => null,
    (err: Error & { code?: string }) => err.code,
  );
  // The socket is destroyed: undici sees it closed (FIN) or reset (RST), as the timing falls.
  t.true(failed === 'UND_ERR_SOCKET' || failed === 'ECONNRESET', String(failed));
  t.true(Date.now() - startedAt < 2_500, `${Date.now() - startedAt} ms`);
});

const proxiedEcho = async (t: ExecutionContext, url: string): Promise<void> => {
  const ws = new WebSocket(url);
  t.teardown(() => {
    ws.on('error', () => {});
    ws.terminate();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send('hello');
  t.is(String((await once(ws, 'message'))[0]), 'upstream /ws/chat?room=1: hello');
  const bytes = Buffer.from([1, 2, 3, 0, 255]);
  ws.send(bytes);
  t.true(Buffer.from((await once(ws, 'message'))[0] as Buffer).equals(bytes));
  const closed = once<[number]>(ws, 'close');
  ws.close(1000);
  t.is((await closed)[0], 1000);
};

onBothServers("a WebSocket proxied with ws: true (subscribed to the server's 'upgrade' from req.socket.server)", async (t, s) => {
  const upstream = await startUpstream(t);
  const front = await startFront(t, s, { target: upstream.url, ws: true, pathRewrite: { '^/api': '' } });
  // http-proxy-middleware finds the server through the first HTTP request it handles.
  await (await request(`${front.url}/api/warm-up`)).body.text();
  t.true(front.server.listenerCount('upgrade') > 0, "subscribed to the server's 'upgrade'");
  await proxiedEcho(t, `ws://127.0.0.1:${front.port}/api/ws/chat?room=1`);
});

onBothServers("a WebSocket proxied with server.on('upgrade', proxy.upgrade)", async (t, s) => {
  const upstream = await startUpstream(t);
  const front = await startFront(t, s, { target: upstream.url, ws: true, pathRewrite: { '^/api': '' } });
  front.server.on('upgrade', front.proxy.upgrade);
  await proxiedEcho(t, `ws://127.0.0.1:${front.port}/api/ws/chat?room=1`);
});
