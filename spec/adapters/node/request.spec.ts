// What a node:http handler sees of the request: method, URL inside the mount,
// version, header fields built by Node's own routine, trailers, and a body that
// arrives with backpressure (and 100 Continue when the app starts reading).

import { Readable, Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import test from 'ava';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { request } from 'undici';
import type { App, Env } from '../../../gateway/index.js';
import { rawSame } from './peers.js';

const describeReq = (req: IncomingMessage) => ({
  method: req.method,
  url: req.url,
  httpVersion: req.httpVersion,
  httpVersionMajor: req.httpVersionMajor,
  httpVersionMinor: req.httpVersionMinor,
  headers: req.headers,
  headersDistinct: req.headersDistinct,
  rawHeaders: req.rawHeaders,
  complete: req.complete,
  upgrade: (req as { upgrade?: unknown }).upgrade,
  socket: {
    remoteAddress: req.socket.remoteAddress,
    remoteFamily: req.socket.remoteFamily,
    localAddress: req.socket.localAddress,
    encrypted: (req.socket as { encrypted?: boolean }).encrypted,
    readable: req.socket.readable,
    writable: req.socket.writable,
    destroyed: req.socket.destroyed,
    isDuplex: req.socket instanceof Duplex,
    address: { ...(req.socket.address() as AddressInfo), port: typeof (req.socket.address() as AddressInfo).port },
    chained: req.socket.setTimeout(1000) === req.socket && req.socket.setNoDelay(true) === req.socket && req.socket.setKeepAlive(true) === req.socket,
  },
});

test('the request: method, URL, version, header fields through Node\'s own routine, the socket', async (t) => {
  const handler: NodeHandler = (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(describeReq(req)));
  };
  const raw =
    'GET /p/a%20b/../c?x=1&y HTTP/1.1\r\nHost: h.example\r\nX-A: 1\r\nX-A: 2\r\nContent-Type: a\r\nContent-Type: b\r\n' +
    'Set-Cookie: s1\r\nSet-Cookie: s2\r\nCookie: c=1\r\nCookie: d=2\r\nAccept: x\r\nAccept: y\r\n\r\n';
  const [r] = await rawSame(t, handler, raw);
  const seen = JSON.parse(r!.body.toString());
  t.deepEqual(seen.headers['set-cookie'], ['s1', 's2']);
  t.is(seen.headers['cookie'], 'c=1; d=2');
  t.is(seen.headers['content-type'], 'a'); // Node keeps the first of a singleton field
  t.is(seen.socket.remoteFamily, 'IPv4');
});

test('url is the target as received below the mount, originalUrl the full target', async (t) => {
  const app = nodeApp((req, res) => res.end(JSON.stringify({ url: req.url, originalUrl: (req as { originalUrl?: string }).originalUrl })));
  const { port } = await startServer(t, { mounts: { '/mnt': app } });
  const get = async (target: string) => JSON.parse((await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)).responses[0]!.body.toString());
  t.deepEqual(await get('/mnt/a/b?q=1'), { url: '/a/b?q=1', originalUrl: '/mnt/a/b?q=1' });
  t.deepEqual(await get('/mnt'), { url: '/', originalUrl: '/mnt' });
  t.deepEqual(await get('/mnt?only=query'), { url: '/?only=query', originalUrl: '/mnt?only=query' });
  t.deepEqual(await get('/mnt/x%2Fy/%7E'), { url: '/x%2Fy/%7E', originalUrl: '/mnt/x%2Fy/%7E' });
  // Absolute-form keeps its scheme and authority (as Express's own mounts do); dot segments
  // and escapes stay as sent when the target spells the prefix; else the normalised path stands in.
  t.deepEqual(await get('http://x/mnt/abs?z'), { url: 'http://x/abs?z', originalUrl: 'http://x/mnt/abs?z' });
  t.deepEqual(await get('/mnt/a/../b%2e'), { url: '/a/../b%2e', originalUrl: '/mnt/a/../b%2e' });
  t.deepEqual(await get('/other/../mnt/c?d'), { url: '/c?d', originalUrl: '/other/../mnt/c?d' });
});

test('at the root, url is the request-target exactly as node:http gives it (absolute-form, dot segments, escapes)', async (t) => {
  const handler: NodeHandler = (req, res) => res.end(JSON.stringify({ url: req.url }));
  for (const target of ['http://example.com/foo?x=1', '/a/./b/../c', '/%7e/%2F/x%20y', '/double//slash', '/q?a=%ZZ']) {
    const [r] = await rawSame(t, handler, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    t.deepEqual(JSON.parse(r!.body.toString()), { url: target });
  }
});

test('a request body with trailers arrives whole, trailers in req.trailers', async (t) => {
  const handler: NodeHandler = (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => res.end(JSON.stringify({ body: Buffer.concat(parts).toString(), trailers: req.trailers, raw: req.rawTrailers, complete: req.complete })));
  };
  const raw = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n';
  const [r] = await rawSame(t, handler, raw);
  t.deepEqual(JSON.parse(r!.body.toString()), { body: 'hello world', trailers: { 'x-sum': '42' }, raw: ['X-Sum', '42'], complete: true });
});

test('a big upload read slowly: the engine stops reading the client instead of buffering', async (t) => {
  const total = 48 * 1024 * 1024;
  let env: Env | undefined;
  let maxBuffered = 0;
  let receivedWhilePaused = -1;
  const handler: NodeHandler = (req, res) => {
    let seen = 0;
    setTimeout(() => {
      receivedWhilePaused = env!.body.received;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        maxBuffered = Math.max(maxBuffered, req.readableLength);
        // A slow consumer: pause now and then, resume on a timer.
        if (seen % (4 * 1024 * 1024) < chunk.length) {
          req.pause();
          setTimeout(() => req.resume(), 5);
        }
      });
      req.on('end', () => res.end(String(seen)));
    }, 400);
  };
  const inner = nodeApp(handler);
  const app: App = (e, r) => {
    env = e;
    return inner(e, r);
  };
  const { url, errors } = await startServer(t, { app });
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const body = Readable.from((function* () {
    for (let i = 0; i < total / chunk.length; i++) yield chunk;
  })());
  const res = await request(url + '/upload', { method: 'POST', body, headers: { 'content-length': String(total) } });
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), String(total));
  t.true(receivedWhilePaused >= 0);
  // While the app was not reading, the engine took at most its queue plus what the socket buffers held.
  t.true(receivedWhilePaused < total / 2, `received ${receivedWhilePaused} of ${total} before the app read`);
  t.true(maxBuffered <= 1024 * 1024, `req buffered ${maxBuffered}`);
  t.deepEqual(errors, []);
});

test('HTTP/1.0 requests see httpVersion 1.0', async (t) => {
  const app = nodeApp((req, res) => res.end(`${req.httpVersion} ${req.httpVersionMajor}.${req.httpVersionMinor}`));
  const { port } = await startServer(t, { app });
  const r = await exchange(port, 'GET / HTTP/1.0\r\n\r\n');
  t.is(r.responses[0]!.body.toString(), '1.0 1.0');
});

test('Expect: 100-continue gets 100 once the app reads the body', async (t) => {
  const app = nodeApp((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => res.end(`got ${body}`));
  });
  const { port } = await startServer(t, { app });
  const socket = net.connect(port, '127.0.0.1');
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  let text = '';
  socket.setEncoding('latin1');
  await new Promise<void>((resolve) => {
    socket.on('data', (d: string) => {
      text += d;
      if (text === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write('hello');
      if (text.endsWith('got hello')) resolve();
    });
  });
  socket.destroy();
  t.true(text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n'));
});
