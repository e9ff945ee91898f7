// WebSocket upgrades through nodeApp's onUpgrade, the way node:http's 'upgrade'
// event works: the `ws` package accepts the socket with handleUpgrade(req,
// socket, head) and echoes. The same handler runs on node:http; the handshake
// answers and the echoed messages must be equal.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import test from 'ava';
import { WebSocket, WebSocketServer } from 'ws';
import { nodeApp } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { startNodeServer } from './peers.js';
import { exchange } from '../../helpers/raw-client.js';

const echoServer = (): WebSocketServer => {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url} ${req.headers['x-client'] ?? ''}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return wss;
};

interface Conversation {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  messages: string[];
}

const converse = (url: string): Promise<Conversation> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { 'x-client': 'test' } });
    const messages: string[] = [];
    let status = 0;
    let headers: Conversation['headers'] = {};
    ws.on('upgrade', (res) => {
      status = res.statusCode!;
      headers = { ...res.headers };
    });
    ws.on('open', () => {
      ws.send('one');
      ws.send(Buffer.from([0, 1, 2, 255]));
      ws.send('x'.repeat(200_000));
    });
    ws.on('message', (data, isBinary) => {
      messages.push(isBinary ? `binary:${(data as Buffer).toString('hex')}` : data.toString().slice(0, 50) + `(${data.toString().length})`);
      if (messages.length === 4) ws.close();
    });
    ws.on('close', () => resolve({ status, headers, messages }));
    ws.on('error', reject);
  });

test('a ws echo server accepts WebSockets on a mount, as with node:http', async (t) => {
  const wss = echoServer();
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  const plain: http.RequestListener = (_req, res) => res.end('not a websocket\n');
  const node = await startNodeServer(t, plain);
  node.on('upgrade', upgrade);
  const { url, errors } = await startServer(t, { mounts: { '/ws': nodeApp(plain, { onUpgrade: upgrade }) } });
  t.teardown(() => wss.close());

  const expected = await converse(`ws://127.0.0.1:${(node.address() as AddressInfo).port}/chat?room=1`);
  const actual = await converse(url.replace('http', 'ws') + '/ws/chat?room=1');
  t.is(actual.status, 101);
  t.deepEqual(actual.messages, ['hello /chat?room=1 test(23)', 'one(3)', 'binary:000102ff', 'x'.repeat(50) + '(200000)']);
  // Sec-WebSocket-Accept answers the client's random key (RFC 6455 §4.2.2); the ws client has checked it.
  t.truthy(actual.headers['sec-websocket-accept']);
  delete actual.headers['sec-websocket-accept'];
  delete expected.headers['sec-websocket-accept'];
  t.deepEqual(actual, expected);
  // The same mount still answers ordinary requests.
  const res = await fetch(url + '/ws/chat');
  t.is(await res.text(), 'not a websocket\n');
  t.deepEqual(errors, []);
});

test('without onUpgrade, an upgrade request is an ordinary request (as node:http without an upgrade listener)', async (t) => {
  const app = nodeApp((req, res) => res.end(`upgrade=${String((req as { upgrade?: boolean }).upgrade)} ${req.headers['upgrade']}`));
  const { url } = await startServer(t, { mounts: { '': app } });
  const r = await exchange(Number(new URL(url).port), 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  t.is(r.responses[0]?.status, 200);
  t.is(r.responses[0]?.body.toString(), 'upgrade=false websocket');
});
