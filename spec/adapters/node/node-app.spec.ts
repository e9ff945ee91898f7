// nodeApp with plain (req, res) handlers: what the request and the socket look
// like, how responses are framed (compared byte-level with node:http through a
// raw client), both directions of backpressure, a client that leaves early,
// and handlers that throw or reject.

import net from 'node:net';
import { Readable, Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { request } from 'undici';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import type { App, Env } from '../../../gateway/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange, type ExchangeOptions } from '../../helpers/raw-client.js';
import type { RawResponse } from '../../helpers/response-reader.js';
import { IGNORED_FIELDS, startNodeServer, startPair } from './peers.js';

const portOf = (url: string): number => Number(new URL(url).port);

/** A raw response without the fields peers.ts leaves out, fields sorted. */
const normalize = (r: RawResponse | undefined) =>
  r && {
    status: r.status,
    headers: r.headers.filter(([n]) => !IGNORED_FIELDS.has(n)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    body: r.body.toString('latin1'),
    framing: r.framing,
    trailers: r.trailers,
  };

/** The same raw request to node:http and to Portico; equal responses, framing included. */
const rawSame = async (t: ExecutionContext, handler: NodeHandler, raw: string, options: ExchangeOptions = {}) => {
  const pair = await startPair(t, handler);
  const expected = await exchange(portOf(pair.node), raw, options);
  const actual = await exchange(portOf(pair.portico), raw, options);
  t.true(actual.responses.length > 0);
  t.deepEqual(actual.responses.map(normalize), expected.responses.map(normalize));
  t.deepEqual(pair.errors, []);
  return actual.responses;
};

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
  const [r] = await rawSame(t, handler, raw.replace('/p/a%20b/../c', '/p/c'));
  const seen = JSON.parse(r!.body.toString());
  t.deepEqual(seen.headers['set-cookie'], ['s1', 's2']);
  t.is(seen.headers['cookie'], 'c=1; d=2');
  t.is(seen.headers['content-type'], 'a'); // Node keeps the first of a singleton field
  t.is(seen.socket.remoteFamily, 'IPv4');
});

test('url is the path inside the mount, originalUrl the full target', async (t) => {
  const app = nodeApp((req, res) => res.end(JSON.stringify({ url: req.url, originalUrl: (req as { originalUrl?: string }).originalUrl })));
  const { port } = await startServer(t, { mounts: { '/mnt': app } });
  const get = async (target: string) => JSON.parse((await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)).responses[0]!.body.toString());
  t.deepEqual(await get('/mnt/a/b?q=1'), { url: '/a/b?q=1', originalUrl: '/mnt/a/b?q=1' });
  t.deepEqual(await get('/mnt'), { url: '/', originalUrl: '/mnt' });
  t.deepEqual(await get('/mnt?only=query'), { url: '/?only=query', originalUrl: '/mnt?only=query' });
  t.deepEqual(await get('/mnt/x%2Fy/%7E'), { url: '/x%2Fy/%7E', originalUrl: '/mnt/x%2Fy/%7E' });
  t.deepEqual(await get('http://x/mnt/abs?z'), { url: '/abs?z', originalUrl: '/mnt/abs?z' });
});

test('the socket carries the connection\'s addresses', async (t) => {
  const app = nodeApp((req, res) => {
    const s = req.socket;
    res.end(JSON.stringify({ remotePort: s.remotePort, localPort: s.localPort, address: s.address(), remoteAddress: s.remoteAddress }));
  });
  const { port } = await startServer(t, { app });
  const client = net.connect(port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const [data] = (await new Promise((r) => client.once('data', (d) => r([d])))) as [Buffer];
  const clientPort = client.localPort;
  client.destroy();
  const seen = JSON.parse(data.toString().split('\r\n\r\n')[1]!);
  t.deepEqual(seen, { remotePort: clientPort, localPort: port, address: { address: '127.0.0.1', family: 'IPv4', port }, remoteAddress: '127.0.0.1' });
});

test('response framing and fields match node:http: writeHead forms, Set-Cookie lists, 204, 304, trailers, flushHeaders', async (t) => {
  const handler: NodeHandler = (req, res) => {
    switch (req.url) {
      case '/array':
        res.writeHead(201, 'Made It', [['X-One', '1'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
        res.end('created');
        return;
      case '/flat':
        res.setHeader('X-Set', ['p', 'q']);
        res.writeHead(200, ['X-Flat', 'f', 'X-Flat', 'g']);
        res.end();
        return;
      case '/object':
        res.writeHead(202, { 'Content-Type': 'text/plain', 'X-Num': 7, 'Set-Cookie': ['c=3', 'd=4'] });
        res.write('part one, ');
        res.end('part two');
        return;
      case '/length':
        res.setHeader('Content-Length', 10);
        res.write('01234');
        res.end('56789');
        return;
      case '/204':
        res.statusCode = 204;
        res.end('ignored');
        return;
      case '/304':
        res.writeHead(304, { etag: '"x"' });
        res.end();
        return;
      case '/trailers':
        res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' });
        res.write('body');
        res.addTrailers({ 'X-Checksum': 'abc' });
        res.end();
        return;
      case '/flush':
        res.setHeader('X-Early', 'yes');
        res.flushHeaders();
        setTimeout(() => res.end('late body'), 20);
        return;
      case '/latin1':
        res.end('caf\u00e9', 'latin1');
        return;
      case '/buffer':
        res.end(Buffer.from([0, 1, 2, 3]));
        return;
      default:
        res.end();
    }
  };
  const paths = ['/array', '/flat', '/object', '/length', '/204', '/304', '/trailers', '/flush', '/latin1', '/buffer', '/empty'];
  const raw = paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
  const responses = await rawSame(t, handler, raw, { expectResponses: paths.length, settleMs: 100 });
  t.is(responses.length, paths.length);
  t.deepEqual(responses.map((r) => r.framing), ['chunked', 'chunked', 'chunked', 'length', 'none', 'none', 'chunked', 'chunked', 'length', 'length', 'length']);
  t.is(responses[0]!.reason, 'Made It');
  t.deepEqual(responses[6]!.trailers, [['x-checksum', 'abc']]);
  t.is(responses[8]!.body.toString('latin1'), 'caf\u00e9');
});

test('HEAD gets the fields GET would get, without the body', async (t) => {
  const handler: NodeHandler = (_req, res) => {
    res.setHeader('Content-Length', 5);
    res.end('hello');
  };
  const [r] = await rawSame(t, handler, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n', { headRequests: new Set([0]) });
  t.is(r!.headers.find(([n]) => n === 'content-length')?.[1], '5');
});

test('103 Early Hints and 102 Processing reach the client before the response', async (t) => {
  const handler: NodeHandler = (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
    (res as ServerResponse & { writeProcessing(): void }).writeProcessing();
    res.end('ok');
  };
  const pair = await startPair(t, handler);
  const expected = await exchange(portOf(pair.node), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const actual = await exchange(portOf(pair.portico), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.deepEqual(actual.responses.map((r) => r.status), [103, 102, 200]);
  t.deepEqual(actual.responses.map(normalize), expected.responses.map(normalize));
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

test('write backpressure: write() returns false, \'drain\' follows, callbacks run, nothing is lost', async (t) => {
  const total = 32 * 1024 * 1024;
  let drains = 0;
  let callbacks = 0;
  let falses = 0;
  const handler: NodeHandler = (_req, res) => {
    const chunk = Buffer.alloc(256 * 1024, 97);
    let sent = 0;
    res.on('drain', () => drains++);
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        const ok = res.write(chunk, () => callbacks++);
        if (!ok) {
          falses++;
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };
  const { port } = await startServer(t, { app: nodeApp(handler) });
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  socket.pause();
  await new Promise((r) => setTimeout(r, 300)); // a client that is slow to start reading
  let bytes = 0;
  socket.on('data', (d: Buffer) => {
    bytes += d.length;
    if (d.subarray(-5).toString() === '0\r\n\r\n' && bytes > total) socket.end();
  });
  socket.resume();
  await new Promise((r) => socket.once('close', r));
  t.true(falses > 0);
  t.is(drains, falses);
  t.true(bytes > total);
  t.is(callbacks, total / (256 * 1024));
});

/** Sends a POST declaring `declared` body bytes but sending 4, waits for the first response bytes, then resets. */
const leaveEarly = async (port: number, declared: number): Promise<void> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\nbody`);
  await new Promise((r) => socket.once('data', r));
  socket.resetAndDestroy(); // RST: a client that is gone, not one that half-closed
};

const recordDisconnect = async (start: (h: NodeHandler) => Promise<number>, declared: number): Promise<string[]> => {
  let resolve!: (events: string[]) => void;
  const done = new Promise<string[]>((r) => (resolve = r));
  const handler: NodeHandler = (req, res) => {
    const events: string[] = [];
    const settle = (): void => void setTimeout(() => resolve(events), 100);
    req.on('aborted', () => events.push('req aborted'));
    req.on('error', (err: Error & { code?: string }) => events.push(`req error ${err.message} ${err.code}`));
    req.on('end', () => events.push('req end'));
    req.on('close', () => events.push(`req close complete=${req.complete}`));
    res.on('finish', () => events.push('res finish'));
    res.on('close', () => {
      events.push(`res close writableFinished=${res.writableFinished} destroyed=${res.destroyed}`);
      settle();
    });
    req.once('data', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
  };
  await leaveEarly(await start(handler), declared);
  return done;
};

for (const [what, declared] of [['while the body still arrives', 100], ['after the body, mid-response', 4]] as const) {
  test(`a client that leaves ${what}: 'close' without 'finish', in node:http's order`, async (t) => {
    const onNode = await recordDisconnect(async (h) => ((await startNodeServer(t, h)).address() as AddressInfo).port, declared);
    const onPortico = await recordDisconnect(async (h) => (await startServer(t, { app: nodeApp(h) })).port, declared);
    t.false(onPortico.includes('res finish'));
    t.true(onPortico.some((e) => e.startsWith('res close writableFinished=false destroyed=true')));
    if (declared > 4) t.true(onPortico.includes('req aborted') && onPortico.includes('req error aborted ECONNRESET'));
    t.deepEqual(onPortico, onNode);
  });
}

test('a handler that throws gets a 500, logged with its mount; the connection and server live on', async (t) => {
  const app = nodeApp((req, res) => {
    if (req.url === '/throw') throw new Error('sync boom');
    if (req.url === '/reject') return Promise.reject(new Error('async boom'));
    res.end('fine');
    return res; // a return value is not an AppResponse
  });
  const { port, errors } = await startServer(t, { mounts: { '/m': app } });
  const raw = ['/m/throw', '/m/ok', '/m/reject', '/m/ok'].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
  const r = await exchange(port, raw, { expectResponses: 4 });
  t.deepEqual(r.responses.map((x) => x.status), [500, 200, 500, 200]);
  t.false(r.closed);
  t.is(errors.length, 2);
  t.regex(errors[0]!, /"mount":"\/m".*sync boom/);
  t.regex(errors[1]!, /async boom/);
});

test('socket.destroy() after the head cuts the response (finalhandler\'s way of failing late)', async (t) => {
  const handler: NodeHandler = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('start of a body');
    setTimeout(() => req.socket.destroy(), 10);
  };
  const pair = await startPair(t, handler);
  for (const base of [pair.node, pair.portico]) {
    const r = await exchange(portOf(base), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    t.true(r.closed);
    t.is(r.responses.length, 0); // the chunked body never ends
    t.regex(r.rest.toString(), /start of a body/);
  }
});

test('Connection: close from the app closes after the response; otherwise keep-alive is Portico\'s', async (t) => {
  const app = nodeApp((req, res) => {
    if (req.url === '/close') res.setHeader('Connection', 'close');
    else if (req.url === '/no-keep-alive') (res as ServerResponse & { shouldKeepAlive: boolean }).shouldKeepAlive = false;
    else res.setHeader('Connection', 'keep-alive, x-whatever');
    res.end('x');
  });
  const { port } = await startServer(t, { app });
  const open = await exchange(port, 'GET /keep HTTP/1.1\r\nHost: x\r\n\r\n');
  t.false(open.closed);
  t.false(open.responses[0]!.headers.some(([n]) => n === 'connection'));
  const closed = await exchange(port, 'GET /close HTTP/1.1\r\nHost: x\r\n\r\nGET /keep HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2, timeoutMs: 5000 });
  t.is(closed.responses.length, 1);
  t.true(closed.closed);
  const refused = await exchange(port, 'GET /no-keep-alive HTTP/1.1\r\nHost: x\r\n\r\nGET /keep HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2, timeoutMs: 5000 });
  t.is(refused.responses.length, 1);
  t.true(refused.closed);
});

test('HTTP/1.0 requests see httpVersion 1.0', async (t) => {
  const app = nodeApp((req, res) => res.end(`${req.httpVersion} ${req.httpVersionMajor}.${req.httpVersionMinor}`));
  const { port } = await startServer(t, { app });
  const r = await exchange(port, 'GET / HTTP/1.0\r\n\r\n');
  t.is(r.responses[0]!.body.toString(), '1.0 1.0');
});

test('nodeApp refuses a handler that is not a function', (t) => {
  t.throws(() => nodeApp(undefined as unknown as NodeHandler), { instanceOf: TypeError });
});

test('req.pipe(res) echoes a large body with backpressure both ways', async (t) => {
  const app = nodeApp((req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    req.pipe(res);
  });
  const { url } = await startServer(t, { app });
  const size = 16 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  const body = Readable.from((function* () {
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
  })());
  const res = await request(url, { method: 'PUT', body });
  let received = 0;
  let intact = true;
  for await (const part of res.body) {
    const bytes = part as Buffer;
    for (let i = 0; i < bytes.length; i += 4099) if (bytes[i] !== ((received + i) % (64 * 1024)) % 251) intact = false;
    received += bytes.length;
  }
  t.is(received, size);
  t.true(intact);
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
