// req.socket and res.socket: the connection's own socket, one object for all its
// keep-alive requests, with its addresses and byte counters, and destroy() and
// end() that act on the connection.

import net from 'node:net';
import test from 'ava';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { portOf, startPair } from './peers.js';

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

test('one socket object per connection, the same across keep-alive requests, with byte counters', async (t) => {
  const seen: Array<{ socket: unknown; read: number; written: number; same: boolean }> = [];
  const app = nodeApp((req, res) => {
    seen.push({ socket: req.socket, read: req.socket.bytesRead, written: req.socket.bytesWritten, same: req.socket === res.socket });
    res.end('x'.repeat(10));
  });
  const { port } = await startServer(t, { app });
  const one = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await exchange(port, one + one + one, { expectResponses: 3 });
  t.is(r.responses.length, 3);
  t.is(seen.length, 3);
  t.true(seen.every((s) => s.same && s.socket === seen[0]!.socket));
  t.true(seen[0]!.read >= one.length);
  t.is(seen[0]!.written, 0);
  t.true(seen[1]!.written > seen[0]!.written && seen[2]!.written > seen[1]!.written);
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

test('socket.end() after the response closes the connection once the response is out; raw writes reach the client', async (t) => {
  const app = nodeApp((req, res) => {
    const socket = req.socket;
    if (req.url === '/raw') {
      // The app takes the connection over, as on node:http.
      socket.end('HTTP/1.1 200 sneaky\r\nContent-Length: 3\r\n\r\nraw');
      return;
    }
    res.end('bye', () => socket.end());
  });
  const { port } = await startServer(t, { app });
  // Without socket.end() this keep-alive connection would stay open (and the exchange wait out its timeout).
  const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2, timeoutMs: 3000 });
  t.is(r.responses.length, 1);
  t.is(r.responses[0]!.body.toString(), 'bye');
  t.true(r.closed);
  const raw = await exchange(port, 'GET /raw HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 5000 });
  t.true(raw.closed);
  t.is(raw.responses.length, 1);
  t.is(raw.responses[0]!.reason, 'sneaky');
  t.is(raw.responses[0]!.body.toString(), 'raw');
});

test('destroySoon() before the response ends cuts it', async (t) => {
  const app = nodeApp((req, res) => {
    res.write('half');
    (req.socket as typeof req.socket & { destroySoon(): void }).destroySoon();
  });
  const { port } = await startServer(t, { app });
  const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 5000 });
  t.true(r.closed);
  t.is(r.responses.length, 0);
});

test('raw bytes written to the socket before destroy() reach the client, as on node:http', async (t) => {
  const handler: NodeHandler = (req) => {
    req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nraw');
    req.socket.destroy();
  };
  const pair = await startPair(t, handler);
  for (const base of [pair.node, pair.portico]) {
    const r = await exchange(portOf(base), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 5000 });
    t.true(r.closed, base);
    t.is(r.responses[0]?.body.toString(), 'raw', base);
  }
});
