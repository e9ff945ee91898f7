// How a node:http handler's response reaches the client: byte-level equal to
// node:http for every writeHead form, Set-Cookie lists, 204/304, trailers,
// flushHeaders, HEAD and 1xx heads; write backpressure with 'drain'; and
// keep-alive decided by Portico, closed when the app asks.

import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import test from 'ava';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { normalize, portOf, rawSame, startPair } from './peers.js';

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
