// node:http's server events and properties on Portico's engine
// (adapters/node/engine-host.ts): 'clientError' deciding the answer to a
// malformed request, 'checkContinue', 'checkExpectation', `OPTIONS *`,
// maxRequestsPerSocket with 'dropRequest', server.timeout and 'timeout', close()
// with a busy keep-alive connection, CONNECT, and writeHead's errors. Where
// node:http can be asked the same question, it is, and the answers compared.

import http from 'node:http';
import net from 'node:net';
import test from 'ava';
import { listen } from './both-servers.js';
import { createServer, type ClientError } from '../../../gateway/node-entry.js';
import { exchange } from '../../helpers/raw-client.js';

type AnyServer = http.Server;

/** The same setup on node:http and on portico/node. */
const both = (make: (create: typeof http.createServer) => AnyServer): Array<[string, () => AnyServer]> => [
  ['node:http', () => make(http.createServer)],
  ['portico', () => make(createServer as unknown as typeof http.createServer)],
];

test('\'clientError\' decides the answer to a malformed request, with node:http\'s code', async (t) => {
  for (const [name, make] of both((create) => {
    const server = create((_req, res) => res.end('app'));
    server.on('clientError', (err: ClientError, socket: net.Socket) => {
      socket.end(`HTTP/1.1 400 Bad Request\r\nX-Code: ${err.code}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nmine`);
    });
    return server;
  })) {
    const port = await listen(t, make());
    const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', { timeoutMs: 10_000, expectResponses: 2 });
    if (r.responses.length === 0) t.log(name, 'got', JSON.stringify(r.bytes.toString('latin1')), 'closed', r.closed);
    t.is(r.responses[0]?.status, 400, name);
    t.is(r.responses[0]?.body.toString(), 'mine', name);
    t.deepEqual(r.responses[0]?.headers.find(([n]) => n === 'x-code'), ['x-code', 'HPE_INVALID_HEADER_TOKEN'], name);
    t.true(r.closed, name);
  }
});

test('without a \'clientError\' listener Portico answers a malformed request itself (its error page)', async (t) => {
  const port = await listen(t, createServer((_req, res) => res.end('app')));
  const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', { timeoutMs: 10_000, expectResponses: 2 });
  if (r.responses.length === 0) t.log('got', JSON.stringify(r.bytes.toString('latin1')), 'closed', r.closed);
  t.is(r.responses[0]?.status, 400);
  t.true(r.closed);
});

test('\'checkContinue\' gets a request that expects 100 Continue; writeContinue() sends it', async (t) => {
  for (const [name, make] of both((create) => {
    const server = create((_req, res) => res.end('request event'));
    server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeContinue();
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => res.end(`checked: ${body}`));
    });
    return server;
  })) {
    const port = await listen(t, make());
    const socket = net.connect(port, '127.0.0.1');
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    const first = await new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    t.regex(first, /^HTTP\/1\.1 100 Continue\r\n\r\n/, name);
    socket.write('hi');
    const rest = await new Promise<string>((r) => {
      let text = first.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
      const done = () => (text.includes('checked: hi') ? r(text) : undefined);
      done();
      socket.on('data', (d) => ((text += d.toString()), done()));
    });
    t.regex(rest, /^HTTP\/1\.1 200 OK\r\n[\s\S]*checked: hi$/, name);
    socket.destroy();
  }
});

test('an expectation other than 100-continue: a \'checkExpectation\' listener answers it, else 417 and the connection stays, as on node:http', async (t) => {
  const request = 'POST /e HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\nContent-Length: 2\r\n\r\nhiGET /next HTTP/1.1\r\nHost: x\r\n\r\n';
  const answers: Record<string, unknown> = {};
  for (const [name, make] of both((create) => {
    const server = create((req, res) => res.end(`request ${req.url}`));
    server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => res.writeHead(402).end(`checked ${req.headers.expect} ${body}`));
    });
    return server;
  })) {
    const port = await listen(t, make());
    const r = await exchange(port, request, { expectResponses: 2, timeoutMs: 10_000 });
    answers[name] = r.responses.map((x) => [x.status, x.body.toString()]);
  }
  t.deepEqual(answers['node:http'], [[402, 'checked the-unexpected hi'], [200, 'request /next']]);
  t.deepEqual(answers['portico'], answers['node:http']);
  for (const [name, make] of both((create) => create((req, res) => res.end(`request ${req.url}`)))) {
    const port = await listen(t, make());
    const r = await exchange(port, request, { expectResponses: 2, timeoutMs: 10_000 });
    answers[name] = { responses: r.responses.map((x) => [x.status, x.body.toString()]), closed: r.closed };
  }
  t.deepEqual(answers['node:http'], { responses: [[417, ''], [200, 'request /next']], closed: false });
  t.deepEqual(answers['portico'], answers['node:http']);
});

test('OPTIONS * reaches the app with req.url \'*\', as on node:http', async (t) => {
  const answers: Record<string, unknown> = {};
  for (const [name, make] of both((create) => create((req, res) => res.end(`app saw ${req.method} ${req.url}`)))) {
    const port = await listen(t, make());
    const r = await exchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 10_000 });
    const keepAlive = r.responses[0]?.headers.find(([n]) => n === 'connection')?.[1];
    answers[name] = [r.responses[0]?.status, r.responses[0]?.body.toString(), keepAlive];
  }
  t.deepEqual(answers['node:http'], [200, 'app saw OPTIONS *', 'keep-alive']);
  t.deepEqual(answers['portico'], answers['node:http']);
});

test('maxRequestsPerSocket: the last allowed response says Connection: close, and Portico then closes (RFC 9112 §9.6)', async (t) => {
  const answers: Record<string, { bodies: string[]; close: boolean; closed: boolean; third: number | undefined }> = {};
  for (const [name, make] of both((create) => {
    const server = create((req, res) => res.end(req.url));
    server.maxRequestsPerSocket = 2;
    return server;
  })) {
    const port = await listen(t, make());
    const one = (p: string) => `GET /${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const r = await exchange(port, one('a') + one('b') + one('c'), { expectResponses: 3, timeoutMs: 1000 });
    answers[name] = {
      bodies: r.responses.slice(0, 2).map((x) => x.body.toString()),
      close: r.responses[1]!.headers.some(([n, v]) => n === 'connection' && v === 'close'),
      closed: r.closed,
      third: r.responses[2]?.status,
    };
  }
  t.deepEqual(answers['portico'], { bodies: ['/a', '/b'], close: true, closed: true, third: undefined });
  // node:http announces the close, keeps the connection and answers the next request 503 ('dropRequest').
  t.deepEqual(answers['node:http'], { bodies: ['/a', '/b'], close: true, closed: false, third: 503 });
});

test('server.setTimeout(): an idle socket is offered to \'timeout\' listeners, destroyed when nobody listens', async (t) => {
  for (const [name, make] of both((create) => create((_req, res) => res.write('started'))))
  {
    const server = make();
    server.setTimeout(150);
    const port = await listen(t, server);
    const started = Date.now();
    const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    t.true(r.closed, name);
    t.true(Date.now() - started < 2500, name);
    const listened = make();
    let offered = 0;
    listened.setTimeout(150, (socket: net.Socket) => {
      offered++;
      socket.destroy();
    });
    const port2 = await listen(t, listened);
    await exchange(port2, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    t.is(offered, 1, name);
  }
});

test('close() with a busy keep-alive connection: as on node:http, it stays open and its next request reaches the app; the server closes when it ends', async (t) => {
  for (const [name, make] of both((create) =>
    create((req, res) => {
      if (req.url === '/slow') (res as http.ServerResponse & { finishLater?: () => void }).finishLater = () => res.end('slow');
      else res.end(`after close: ${req.url}`);
    }),
  )) {
    let pending: http.ServerResponse | undefined;
    const server = make();
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => (pending = res));
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    while (pending === undefined) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const serverClosed = new Promise((r) => server.close(() => r((closed = true))));
    (pending as http.ServerResponse & { finishLater: () => void }).finishLater();
    while (!text.includes('slow')) await new Promise((r) => setTimeout(r, 5));
    t.notRegex(text, /Connection: close/i, name);
    socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!text.includes('after close: /next')) await new Promise((r) => setTimeout(r, 5));
    t.false(closed, name);
    socket.end();
    await serverClosed;
    t.true(closed, name);
  }
});

test('CONNECT goes to \'connect\' listeners with the socket; without one the socket is destroyed, as on node:http', async (t) => {
  const server = createServer((_req, res) => res.end('no'));
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.end(`HTTP/1.1 200 Connection Established\r\n\r\n${req.url} ${head.toString()}`);
  });
  const port = await listen(t, server);
  const r = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nearly', { timeoutMs: 3000 });
  t.true(r.rest.toString().includes('example.com:443 early') || r.responses.length === 1);
  const bare = createServer((_req, res) => res.end('no'));
  const port2 = await listen(t, bare);
  const r2 = await exchange(port2, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', { timeoutMs: 3000 });
  t.true(r2.closed);
  t.is(r2.responses.length, 0);
});

test('writeHead() with an invalid field throws node:http\'s own errors', async (t) => {
  for (const [name, make] of both((create) =>
    create((req, res) => {
      const codes: string[] = [];
      for (const headers of [{ 'bad name': 'x' }, { ok: 'line\nbreak' }]) {
        try {
          res.writeHead(200, headers);
        } catch (err) {
          codes.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
          (res as unknown as { _header: unknown })._header = null;
        }
      }
      res.writeHead(200);
      res.end(JSON.stringify(codes));
    }),
  )) {
    const port = await listen(t, make());
    const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    t.deepEqual(JSON.parse(r.responses[0]!.body.toString()), [
      'ERR_INVALID_HTTP_TOKEN: Header name must be a valid HTTP token ["bad name"]',
      'ERR_INVALID_CHAR: Invalid character in header content ["ok"]',
    ], name);
  }
});

test('keep-alive responses say Connection: keep-alive and Keep-Alive: timeout=N[, max=M] as node:http does, from the live properties', async (t) => {
  const fields = async (server: AnyServer): Promise<Array<string | undefined>> => {
    const port = await listen(t, server);
    const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 1 });
    const get = (name: string) => r.responses[0]!.headers.find(([n]) => n === name)?.[1];
    return [get('connection'), get('keep-alive')];
  };
  for (const [name, make] of both((create) => create((_req, res) => res.end('x')))) {
    t.deepEqual(await fields(make()), ['keep-alive', 'timeout=5'], name);
    const changed = make();
    changed.keepAliveTimeout = 12_500;
    changed.maxRequestsPerSocket = 7;
    t.deepEqual(await fields(changed), ['keep-alive', 'timeout=12, max=7'], name);
  }
});

test('requestTimeout: a body that trickles in past it gets 408 and the close, as on node:http', async (t) => {
  const options = { requestTimeout: 500, connectionsCheckingInterval: 100 };
  for (const [name, make] of both((create) => create(options as http.ServerOptions, (req, res) => req.resume().on('end', () => res.end('complete'))))) {
    const port = await listen(t, make());
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    // One byte every 100 ms: never stalled, never complete.
    const timer = setInterval(() => socket.writable && socket.write('x'), 100);
    const started = Date.now();
    await closed;
    clearInterval(timer);
    t.regex(text, /^HTTP\/1\.1 408 /, name);
    t.true(Date.now() - started < 3000, name);
  }
});
