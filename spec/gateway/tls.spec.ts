import tls from 'node:tls';
import { Client } from 'undici';
import { startServer } from '../helpers/server.js';
import { makeCert, removeCert, type TestCert } from '../helpers/tls-cert.js';
import { needs } from '../helpers/system-program.js';
import { parseResponses, type RawResponse } from '../helpers/response-reader.js';
import type { App } from '../../gateway/index.js';

// Every test here serves a certificate that openssl makes.
const { test } = needs('openssl');

let a: TestCert;
let b: TestCert;
test.before(() => {
  a = makeCert();
  b = makeCert();
});
test.after.always(() => {
  removeCert(a);
  removeCert(b);
});

const whoami: App = (env) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ scheme: env.scheme, secure: env.secure, serverPort: env.serverPort, remotePort: env.remotePort }),
});

/** A raw TLS connection that sends requests one at a time and reads each response. */
const connectTls = (port: number, options: tls.ConnectionOptions = {}) =>
  new Promise<{ socket: tls.TLSSocket; get(path: string): Promise<RawResponse>; closed: () => boolean }>((resolve, reject) => {
    let closed = false;
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => resolve({ socket, get, closed: () => closed }));
    socket.once('error', reject);
    socket.on('close', () => (closed = true));
    let buffered: Buffer = Buffer.alloc(0);
    let waiting: ((r: RawResponse) => void) | null = null;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const { responses, rest } = parseResponses(buffered, false);
      if (responses.length > 0 && waiting) {
        buffered = rest;
        const w = waiting;
        waiting = null;
        w(responses[0]!);
      }
    });
    const get = (path: string): Promise<RawResponse> =>
      new Promise((res) => {
        waiting = res;
        socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      });
  });

test('HTTPS with a self-signed certificate: env.scheme is https, undici reads it', async (t) => {
  const cert = a;
  const { server, port } = await startServer(t, { app: whoami, tls: { key: cert.key, cert: cert.cert } });
  t.regex(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const client = new Client(server.url, { connect: { rejectUnauthorized: false } });
  t.teardown(() => client.close());
  const res = await client.request({ path: '/', method: 'GET', headers: { host: `localhost:${port}` } });
  t.is(res.statusCode, 200);
  const body = (await res.body.json()) as { scheme: string; secure: boolean; serverPort: number };
  t.is(body.scheme, 'https');
  t.true(body.secure);
  t.is(body.serverPort, port);
});

test('undici verifies the certificate when given it as the CA', async (t) => {
  const cert = a;
  const { server } = await startServer(t, { app: whoami, tls: { key: cert.key, cert: cert.cert } });
  const client = new Client(server.url, { connect: { ca: cert.cert, servername: 'localhost' } });
  t.teardown(() => client.close());
  const res = await client.request({ path: '/', method: 'GET' });
  const body = (await res.body.json()) as { scheme: string; serverPort: number };
  t.is(body.scheme, 'https');
  t.is(body.serverPort, server.address.port);
});

test('ALPN offers only http/1.1, even to a client that prefers h2', async (t) => {
  const cert = a;
  const { port } = await startServer(t, { app: whoami, tls: { key: cert.key, cert: cert.cert } });
  const conn = await connectTls(port, { ALPNProtocols: ['h2', 'http/1.1'] });
  t.teardown(() => conn.socket.destroy());
  t.is(conn.socket.alpnProtocol, 'http/1.1');
  t.is((await conn.get('/')).status, 200);
});

test('a HTTP request on the TLS port gets nginx\'s 400 in plain text, is closed, and does not hurt the server', async (t) => {
  const cert = a;
  const { server, port } = await startServer(t, { app: whoami, tls: { key: cert.key, cert: cert.cert } });
  const net = await import('node:net');
  const plain = net.connect(port, '127.0.0.1');
  plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const chunks: Buffer[] = [];
  plain.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((r) => plain.on('close', r));
  const { responses } = parseResponses(Buffer.concat(chunks), true);
  t.is(responses.length, 1);
  t.is(responses[0]!.status, 400);
  t.is(responses[0]!.body.toString(), 'The plain HTTP request was sent to HTTPS port\n');
  const conn = await connectTls(port);
  t.teardown(() => conn.socket.destroy());
  t.is((await conn.get('/')).status, 200);
  t.true(server.secure);
});

test('reloadTls swaps the certificate for new connections without dropping a keep-alive one', async (t) => {
  t.not(a.fingerprint256, b.fingerprint256);
  const { server, port } = await startServer(t, { app: whoami, tls: { key: a.key, cert: a.cert } });

  const old = await connectTls(port);
  t.teardown(() => old.socket.destroy());
  t.is(old.socket.getPeerX509Certificate()?.fingerprint256, a.fingerprint256);
  const first = JSON.parse((await old.get('/1')).body.toString()) as { remotePort: number };

  server.reloadTls({ key: b.key, cert: b.cert });

  // The established connection lives on, with its certificate, and keeps serving.
  const second = await old.get('/2');
  t.is(second.status, 200);
  t.is((JSON.parse(second.body.toString()) as { remotePort: number }).remotePort, first.remotePort, 'same connection');
  t.false(old.closed());

  const fresh = await connectTls(port);
  t.teardown(() => fresh.socket.destroy());
  t.is(fresh.socket.getPeerX509Certificate()?.fingerprint256, b.fingerprint256, 'a new connection gets the new certificate');
  t.is((await fresh.get('/3')).status, 200);
  t.is((await old.get('/4')).status, 200);
});

test('reloadTls with a key that does not match throws and the old pair keeps serving', async (t) => {
  const { server, port } = await startServer(t, { app: whoami, tls: { key: a.key, cert: a.cert } });
  t.throws(() => server.reloadTls({ key: b.key, cert: a.cert }));
  t.throws(() => server.reloadTls({ key: 'not a key', cert: 'not a cert' }));
  const conn = await connectTls(port);
  t.teardown(() => conn.socket.destroy());
  t.is(conn.socket.getPeerX509Certificate()?.fingerprint256, a.fingerprint256);
  t.is((await conn.get('/')).status, 200);
});

test('reloadTls on a plain listener is an error', async (t) => {
  const { server } = await startServer(t, { app: whoami });
  t.throws(() => server.reloadTls({ key: '', cert: '' }), { message: /Not a TLS server/ });
});

test('close() does not wait for a client stuck before its TLS handshake', async (t) => {
  const { server, port } = await startServer(t, { app: whoami, tls: { key: a.key, cert: a.cert } });
  const net = await import('node:net');
  const idle = net.connect(port, '127.0.0.1');
  t.teardown(() => idle.destroy());
  await new Promise((r) => idle.once('connect', r));
  const dropped = new Promise((r) => idle.once('close', r));
  await new Promise((r) => setTimeout(r, 100)); // let the server see it
  const closed = await Promise.race([server.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  t.true(closed, 'close() resolves long before the 120 s handshake timeout');
  await dropped;
});
