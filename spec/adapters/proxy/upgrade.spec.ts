import test from 'ava';
import WebSocket from 'ws';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { proxyApp } from '../../../adapters/proxy/index.js';
import { closedPort, startUpstream } from './upstream.js';

const quiet = { error() {} };

const open = (url: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

const nextMessage = (ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> =>
  new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));

test('a WebSocket echoes through the proxy (text and a 1 MiB binary frame), with forwarding fields upstream', async (t) => {
  const upstream = await startUpstream(() => {});
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url + '/ws', logger: quiet });
  t.teardown(() => app.close());
  const { port } = await startServer(t, { mounts: { '/live': app } });
  const ws = await open(`ws://127.0.0.1:${port}/live/room?x=1`);
  t.teardown(() => ws.terminate());

  const text = nextMessage(ws);
  ws.send('hello');
  t.deepEqual(await text, { data: Buffer.from('echo:hello'), isBinary: false });

  const big = Buffer.alloc(1024 * 1024, 7);
  const binary = nextMessage(ws);
  ws.send(big);
  const got = await binary;
  t.true(got.isBinary);
  t.true(got.data.equals(big));

  t.is(upstream.upgrades.length, 1);
  const seen = upstream.upgrades[0]!;
  t.is(seen.url, '/ws/room?x=1');
  t.is(seen.headers['x-forwarded-for'], '127.0.0.1');
  t.is(seen.headers['upgrade'], 'websocket');
  t.regex(String(seen.headers['connection']), /upgrade/i);

  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.close(1000, 'bye');
  t.is(await closed, 1000, 'the close handshake completes through the tunnel');
});

test('an upstream that declines the upgrade has its answer relayed', async (t) => {
  const upstream = await startUpstream(() => {});
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url, logger: quiet });
  t.teardown(() => app.close());
  const { port } = await startServer(t, { mounts: { '/live': app } });
  const r = await exchange(
    port,
    'GET /live/nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  t.is(r.responses[0]?.status, 404);
  t.is(header(r.responses[0]!, 'x-declined'), 'yes');
  t.is(r.responses[0]?.body.toString(), 'no socket');
});

test('a WebSocket to an unreachable upstream gets 502', async (t) => {
  const port = await closedPort();
  const app = proxyApp({ upstream: `http://127.0.0.1:${port}`, logger: quiet });
  t.teardown(() => app.close());
  const server = await startServer(t, { mounts: { '/live': app } });
  const err = await new Promise<Error>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/live`);
    ws.once('error', resolve);
  });
  t.regex(err.message, /502/);
  // Ordinary requests are unaffected.
  t.is((await request(`${server.url}/live`)).statusCode, 502);
});
