import test from 'ava';
import WebSocket from 'ws';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange as rawExchange, type ExchangeOptions } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { proxyApp } from '../../../adapters/proxy/index.js';
import { closedPort, startUpstream } from './upstream.js';
import { makeCert, removeCert, type TestCert } from '../../helpers/tls-cert.js';
import { needs } from '../../helpers/system-program.js';

const quiet = { error() {} };
const exchange = (port: number, bytes: string, options: ExchangeOptions = {}) => rawExchange(port, bytes, { timeoutMs: 30_000, ...options });

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

test('a declined upgrade with a chunked or close-delimited body is relayed whole', async (t) => {
  const upstream = await startUpstream(() => {});
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url, logger: quiet });
  t.teardown(() => app.close());
  const { port } = await startServer(t, { mounts: { '/': app } });
  const ask = (path: string) =>
    exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  const chunked = await ask('/declined-chunked');
  t.is(chunked.responses[0]?.status, 403);
  t.is(chunked.responses[0]?.body.toString(), 'not allowed');
  const close = await ask('/declined-close');
  t.is(close.responses[0]?.status, 426);
  t.is(close.responses[0]?.body.toString(), 'until close');
});

test('Upgrade: h2c is dropped and the request forwarded as HTTP/1.1', async (t) => {
  const upstream = await startUpstream((app) => app.get('/h', (req, res) => res.json({ upgrade: req.headers['upgrade'] ?? null })));
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url, logger: quiet });
  t.teardown(() => app.close());
  const { port } = await startServer(t, { mounts: { '/': app } });
  const r = await exchange(port, 'GET /h HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
  t.is(r.responses[0]?.status, 200);
  t.deepEqual(JSON.parse(r.responses[0]!.body.toString()), { upgrade: null });
  t.is(upstream.upgrades.length, 0);
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

const withOpenssl = needs('openssl').test;
let cert: TestCert;
withOpenssl.before(() => {
  cert = makeCert('localhost');
});
withOpenssl.after.always(() => removeCert(cert));

withOpenssl('a WebSocket tunnels to an https upstream verified with its CA', async (t) => {
  const upstream = await startUpstream(() => {}, { key: cert.key, cert: cert.cert });
  t.teardown(() => upstream.close());
  t.regex(upstream.url, /^https:/);
  const app = proxyApp({ upstream: upstream.url, logger: quiet, tls: { ca: cert.cert, servername: 'localhost' } });
  t.teardown(() => app.close());
  const { port } = await startServer(t, { mounts: { '/': app } });
  const ws = await open(`ws://127.0.0.1:${port}/ws`);
  t.teardown(() => ws.terminate());
  const reply = nextMessage(ws);
  ws.send('over tls');
  t.is(String((await reply).data), 'echo:over tls');
});

withOpenssl('an https upstream with an untrusted certificate gives 502', async (t) => {
  const upstream = await startUpstream((app) => app.get('/', (_req, res) => res.send('secret')), { key: cert.key, cert: cert.cert });
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url, logger: quiet });
  t.teardown(() => app.close());
  const { url } = await startServer(t, { mounts: { '/': app } });
  t.is((await request(url + '/')).statusCode, 502);
  const trusted = proxyApp({ upstream: upstream.url, logger: quiet, tls: { ca: cert.cert, servername: 'localhost' } });
  t.teardown(() => trusted.close());
  const second = await startServer(t, { mounts: { '/': trusted } });
  const res = await request(second.url + '/');
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), 'secret');
});

test('graceful shutdown ends open WebSocket tunnels instead of waiting on them forever', async (t) => {
  const upstream = await startUpstream(() => {});
  t.teardown(() => upstream.close());
  const app = proxyApp({ upstream: upstream.url, logger: quiet });
  t.teardown(() => app.close());
  const { server, port } = await startServer(t, { mounts: { '/': app }, shutdownTimeoutMs: 500 });
  const ws = await open(`ws://127.0.0.1:${port}/ws`);
  const clientClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const reply = nextMessage(ws);
  ws.send('before');
  t.is(String((await reply).data), 'echo:before');
  t.is(server.connectionCount, 0, 'the tunnel is no longer an engine connection');
  const closed = await Promise.race([server.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  t.true(closed, 'close() resolves');
  t.is(await clientClosed, 1006, 'the client sees the tunnel end');
});
