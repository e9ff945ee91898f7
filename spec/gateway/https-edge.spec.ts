// HTTPS done as nginx users expect: plain HTTP on the TLS port gets a 400 that
// says so (raw sockets, curl, undici), the first bytes are peeked without
// losing any (a handshake that arrives a byte at a time, behind a PROXY
// header too), the redirect listener sends 308 to the same URL on HTTPS, and
// HSTS goes out on HTTPS responses only.

import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { startServer } from '../helpers/server.js';
import { curl } from '../helpers/curl.js';
import { exchange } from '../helpers/raw-client.js';
import { header, parseResponses } from '../helpers/response-reader.js';
import { needs } from '../helpers/system-program.js';
import { makeCert, removeCert, type TestCert } from '../helpers/tls-cert.js';
import { serve, type App } from '../../gateway/index.js';
import { redirectHost } from '../../gateway/redirect-http.js';
import { hstsValue } from '../../gateway/hsts.js';
import { staticApp } from '../../adapters/static/index.js';

const curlTest = needs('curl').test;
let cert: TestCert;
test.before(() => {
  cert = makeCert();
});
test.after.always(() => removeCert(cert));

const insecure = new Agent({ connect: { rejectUnauthorized: false } });
test.after.always(() => insecure.close());

const whoami: App = (env) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ scheme: env.scheme, path: env.target, remoteAddress: env.remoteAddress }),
});

const tlsOptions = () => ({ key: cert.key, cert: cert.cert });
const MESSAGE = 'The plain HTTP request was sent to HTTPS port\n';

test('plain HTTP on the TLS port: 400 in plain text, nginx\'s words, then the connection closes', async (t) => {
  const { port } = await startServer(t, { app: whoami, tls: tlsOptions() });
  for (const split of ['whole', 'bytes'] as const) {
    const r = await exchange(port, 'GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n', { split, timeoutMs: 10_000, settleMs: 3_000 });
    t.true(r.closed, split);
    t.is(r.responses.length, 1);
    const res = r.responses[0]!;
    t.is(res.status, 400);
    t.is(header(res, 'content-type'), 'text/plain; charset=utf-8');
    t.is(header(res, 'connection'), 'close');
    t.is(res.body.toString(), MESSAGE);
  }
});

test('undici speaking http:// to the HTTPS port reads the 400; https:// on the same port still works', async (t) => {
  const { port } = await startServer(t, { app: whoami, tls: tlsOptions() });
  const plain = await request(`http://127.0.0.1:${port}/hello`);
  t.is(plain.statusCode, 400);
  t.is(await plain.body.text(), MESSAGE);
  const secure = await request(`https://127.0.0.1:${port}/hello`, { dispatcher: insecure });
  t.is(secure.statusCode, 200);
  t.is(JSON.parse(await secure.body.text()).scheme, 'https');
});

curlTest('curl: http:// to the HTTPS port gets the 400 and its message', async (t) => {
  const { port } = await startServer(t, { app: whoami, tls: tlsOptions() });
  const r = await curl([`http://127.0.0.1:${port}/`]);
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.status, 400);
  t.is(r.body.toString(), MESSAGE);
  const ok = await curl(['-k', `https://127.0.0.1:${port}/`]);
  t.is(ok.status, 200);
});

/** A TCP relay to `port` that forwards the client's bytes one at a time, each in its own segment. */
const tricklingRelay = async (t: ExecutionContext, port: number): Promise<number> => {
  const relay = net.createServer((client) => {
    const upstream = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const queue: Buffer[] = [];
    let busy = false;
    const pump = (): void => {
      if (busy) return;
      const chunk = queue.shift();
      if (chunk === undefined) return;
      busy = true;
      let i = 0;
      const step = (): void => {
        if (i >= chunk.length || upstream.destroyed) {
          busy = false;
          return pump();
        }
        upstream.write(chunk.subarray(i, ++i));
        setTimeout(step, i < 8 ? 5 : 0);
      };
      step();
    };
    client.on('data', (c: Buffer) => (queue.push(c), pump()));
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  t.teardown(() => relay.close());
  return (relay.address() as net.AddressInfo).port;
};

test('the first bytes are peeked, not lost: a ClientHello arriving one byte at a time still handshakes', async (t) => {
  const { port } = await startServer(t, { app: whoami, tls: tlsOptions() });
  const relay = await tricklingRelay(t, port);
  const res = await request(`https://127.0.0.1:${relay}/slow`, { dispatcher: insecure });
  t.is(res.statusCode, 200);
  t.is(JSON.parse(await res.body.text()).path, '/slow');
});

test('behind the PROXY protocol: TLS after the header works, plain HTTP after it gets the 400', async (t) => {
  const { port } = await startServer(t, { app: whoami, tls: tlsOptions(), proxyProtocol: true });
  const header4 = 'PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n';
  const plain = await exchange(port, header4 + 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 10_000 });
  t.is(plain.responses[0]?.status, 400);
  t.is(plain.responses[0]?.body.toString(), MESSAGE);
  const body = await new Promise<string>((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1', () => {
      raw.write(header4);
      const s = tls.connect({ socket: raw, rejectUnauthorized: false }, () => s.write('GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString()));
      s.on('error', reject);
    });
  });
  const { responses } = parseResponses(Buffer.from(body), true);
  t.is(responses[0]?.status, 200);
  t.is(JSON.parse(responses[0]!.body.toString()).remoteAddress, '203.0.113.7');
});

test('the redirect listener: 308 to the same path and query on the HTTPS port, for every method', async (t) => {
  const { server, port } = await startServer(t, { app: whoami, tls: tlsOptions(), redirectHttp: 0, hsts: true });
  const redirect = server.redirectAddress!.port;
  t.not(redirect, port);
  const res = await request(`http://127.0.0.1:${redirect}/a/b%20c?x=1&y=%2F`);
  t.is(res.statusCode, 308);
  t.is(res.headers['location'], `https://127.0.0.1:${port}/a/b%20c?x=1&y=%2F`);
  t.is(res.headers['strict-transport-security'], undefined, 'HSTS is never sent over plain HTTP');
  t.is(await res.body.text(), `Moved to https://127.0.0.1:${port}/a/b%20c?x=1&y=%2F\n`);
  for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await request(`http://127.0.0.1:${redirect}/form`, { method, body: method === 'POST' || method === 'PUT' ? 'data' : undefined });
    t.is(r.statusCode, 308, method);
    t.is(r.headers['location'], `https://127.0.0.1:${port}/form`);
    await r.body.dump();
  }
});

test('the redirect keeps the Host the client asked for, drops its port, and refuses a Host that is not a host', async (t) => {
  const { server, port } = await startServer(t, { app: whoami, tls: tlsOptions(), redirectHttp: { port: 0, httpsPort: 443 } });
  const redirect = server.redirectAddress!.port;
  const ask = async (raw: string) => {
    const r = await exchange(redirect, raw, { timeoutMs: 10_000, expectResponses: 1 });
    return r.responses[0]!;
  };
  const named = await ask('GET /p?q HTTP/1.1\r\nHost: Example.COM:80\r\n\r\n');
  t.is(named.status, 308);
  t.is(header(named, 'location'), 'https://example.com/p?q', 'httpsPort 443 is left out');
  const v6 = await ask('GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n');
  t.is(header(v6, 'location'), 'https://[::1]/');
  const absolute = await ask('GET http://www.example.org/abs?k=v HTTP/1.1\r\nHost: www.example.org\r\n\r\n');
  t.is(header(absolute, 'location'), 'https://www.example.org/abs?k=v');
  for (const host of ['evil.example@good.example', 'a..b', '-bad.example', 'x'.repeat(300)]) {
    const r = await ask(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    t.is(r.status, 400, host);
    t.is(header(r, 'location'), undefined);
  }
});

test('redirectHost accepts names and IP literals only', (t) => {
  t.is(redirectHost('example.com'), 'example.com');
  t.is(redirectHost('192.0.2.1'), '192.0.2.1');
  t.is(redirectHost('::1'), '[::1]');
  t.is(redirectHost('[2001:db8::1]'), '[2001:db8::1]');
  t.is(redirectHost('internal_host.lan'), 'internal_host.lan');
  for (const bad of ['a/b', 'a b', 'user@host', '', '.', 'a..b', 'host:1', '[zz::1]', 'a%2fb']) t.is(redirectHost(bad), null, bad);
});

curlTest('curl -L follows the redirect to the HTTPS app', async (t) => {
  const { server } = await startServer(t, { app: whoami, tls: tlsOptions(), redirectHttp: 0 });
  const r = await curl(['-k', '-L', `http://127.0.0.1:${server.redirectAddress!.port}/followed?z=1`]);
  t.is(r.status, 200);
  t.deepEqual(JSON.parse(r.body.toString()), { scheme: 'https', path: '/followed?z=1', remoteAddress: '127.0.0.1' });
});

test('redirectHttp without TLS (and no httpsPort) is refused; a busy redirect port fails listen and frees the main one', async (t) => {
  // serve() is async since it validates its options: the refusal is a rejection.
  await t.throwsAsync(serve({ port: 0, app: whoami, redirectHttp: 0 }), { message: /redirectHttp: needs tls/ });
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.teardown(() => blocker.close());
  const busy = (blocker.address() as net.AddressInfo).port;
  const err = await t.throwsAsync(serve({ port: 0, host: '127.0.0.1', app: whoami, tls: tlsOptions(), redirectHttp: busy }));
  t.is((err as NodeJS.ErrnoException).code, 'EADDRINUSE');
});

test('HSTS on every HTTPS response: app answers, static files, the router\'s 404, engine errors', async (t) => {
  const streaming: App = (_env, res) => {
    res.write('part');
    res.end();
  };
  const { port } = await startServer(t, {
    tls: tlsOptions(),
    hsts: { maxAge: 600, includeSubDomains: true },
    mounts: { '/app': whoami, '/stream': streaming, '/files': staticApp({ root: cert.dir }) },
  });
  const value = 'max-age=600; includeSubDomains';
  for (const path of ['/app', '/stream', '/files/c.pem', '/files/missing', '/nowhere']) {
    const r = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: insecure });
    t.is(r.headers['strict-transport-security'], value, path);
    await r.body.dump();
  }
  const bad = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('error', reject);
  });
  t.regex(bad, /^HTTP\/1\.1 400 /);
  t.regex(bad, /\r\nstrict-transport-security: max-age=600; includeSubDomains\r\n/i);
});

test('HSTS: an app\'s own field wins; a plain HTTP server never sends it', async (t) => {
  const own: App = () => ({ status: 200, headers: { 'Strict-Transport-Security': 'max-age=0' }, body: 'x' });
  const secure = await startServer(t, { app: own, tls: tlsOptions(), hsts: true });
  const r = await request(secure.url, { dispatcher: insecure });
  t.is(r.headers['strict-transport-security'], 'max-age=0');
  await r.body.dump();
  const plain = await startServer(t, { app: whoami, hsts: true });
  const p = await request(plain.url);
  t.is(p.headers['strict-transport-security'], undefined);
  await p.body.dump();
});

test('hstsValue: defaults, max-age, subdomains, preload rules', (t) => {
  t.is(hstsValue(true), 'max-age=31536000');
  t.is(hstsValue(3600), 'max-age=3600');
  t.is(hstsValue({ maxAge: 63072000, includeSubDomains: true, preload: true }), 'max-age=63072000; includeSubDomains; preload');
  t.throws(() => hstsValue({ preload: true }), { message: /preload: needs includeSubDomains/ });
  t.throws(() => hstsValue({ maxAge: 600, includeSubDomains: true, preload: true }), { message: /at least 31536000/ });
  t.throws(() => hstsValue(-1), { message: /maxAge/ });
});
