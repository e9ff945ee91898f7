import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startServer } from '../helpers/server.js';
import { exchange, type Split } from '../helpers/raw-client.js';
import { makeCert, removeCert, type TestCert } from '../helpers/tls-cert.js';
import { needs } from '../helpers/system-program.js';
import { parseProxyHeader, ProxyProtocolError, type App } from '../../gateway/index.js';
import type { AccessLogEntry } from '../../gateway/access-log.js';

const whoami: App = (env) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ address: env.remoteAddress, port: env.remotePort, scheme: env.scheme }),
});

const V2_SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

const v2 = (command: number, family: number, addresses: Buffer, tlv: Buffer = Buffer.alloc(0)): Buffer => {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = family;
  head.writeUInt16BE(addresses.length + tlv.length, 2);
  return Buffer.concat([V2_SIG, head, addresses, tlv]);
};

const inet4 = (src: number[], dst: number[], sport: number, dport: number): Buffer => {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
};

const inet6 = (src: string, dst: string, sport: number, dport: number): Buffer => {
  const b = Buffer.alloc(36);
  const groups = (ip: string) => {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const tl = tail ? tail.split(':') : [];
    return [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl].map((g) => parseInt(g, 16));
  };
  groups(src).forEach((g, i) => b.writeUInt16BE(g, 2 * i));
  groups(dst).forEach((g, i) => b.writeUInt16BE(g, 16 + 2 * i));
  b.writeUInt16BE(sport, 32);
  b.writeUInt16BE(dport, 34);
  return b;
};

/** The parser fed the header whole, one byte at a time, and followed by extra bytes. */
const parseThreeWays = (t: import('ava').ExecutionContext, header: Buffer) => {
  const whole = parseProxyHeader(header);
  for (let i = 0; i < header.length; i++) t.false(parseProxyHeader(header.subarray(0, i)).done, `needs more at ${i} bytes`);
  const extra = parseProxyHeader(Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\n')]));
  t.deepEqual(extra, whole);
  return whole;
};

// ---- the parser ----

test('v1 TCP4, TCP6 and UNKNOWN', (t) => {
  const tcp4 = Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n');
  t.deepEqual(parseThreeWays(t, tcp4), { done: true, peer: { address: '203.0.113.7', port: 51234, family: 'IPv4' }, length: tcp4.length });
  const tcp6 = Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 65535 80\r\n');
  t.deepEqual(parseThreeWays(t, tcp6), { done: true, peer: { address: '2001:db8::7', port: 65535, family: 'IPv6' }, length: tcp6.length });
  const unknown = Buffer.from('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n');
  t.deepEqual(parseThreeWays(t, unknown), { done: true, peer: null, length: unknown.length });
  t.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { done: true, peer: null, length: 15 });
});

test('v2 INET, INET6, LOCAL, UNSPEC, UNIX and TLVs skipped', (t) => {
  const a = v2(1, 0x11, inet4([198, 51, 100, 9], [10, 0, 0, 1], 40000, 8080));
  t.deepEqual(parseThreeWays(t, a), { done: true, peer: { address: '198.51.100.9', port: 40000, family: 'IPv4' }, length: 28 });
  const b = v2(1, 0x21, inet6('2001:db8:0:0:1:0:0:1', '::1', 1, 2));
  t.deepEqual(parseThreeWays(t, b), { done: true, peer: { address: '2001:db8::1:0:0:1', port: 1, family: 'IPv6' }, length: 52 });
  const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP
  const c = v2(1, 0x11, inet4([1, 2, 3, 4], [5, 6, 7, 8], 9, 10), tlv);
  t.deepEqual(parseThreeWays(t, c), { done: true, peer: { address: '1.2.3.4', port: 9, family: 'IPv4' }, length: 34 });
  t.deepEqual(parseThreeWays(t, v2(0, 0x00, Buffer.alloc(0))), { done: true, peer: null, length: 16 }, 'LOCAL');
  t.deepEqual(parseThreeWays(t, v2(0, 0x11, inet4([1, 2, 3, 4], [5, 6, 7, 8], 9, 10))), { done: true, peer: null, length: 28 }, 'LOCAL ignores addresses');
  t.deepEqual(parseProxyHeader(v2(1, 0x00, Buffer.alloc(0))), { done: true, peer: null, length: 16 }, 'UNSPEC');
  t.deepEqual(parseProxyHeader(v2(1, 0x31, Buffer.alloc(216))), { done: true, peer: null, length: 232 }, 'UNIX');
});

const MALFORMED: Array<[string, Buffer]> = [
  ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['lower-case proxy', Buffer.from('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n')],
  ['a missing field', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n')],
  ['an extra space', Buffer.from('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n')],
  ['an unknown protocol', Buffer.from('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n')],
  ['a bad IPv4 address', Buffer.from('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n')],
  ['an IPv6 address under TCP4', Buffer.from('PROXY TCP4 ::1 ::1 1 2\r\n')],
  ['a port with a leading zero', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n')],
  ['a port above 65535', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n')],
  ['a bare LF', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n')],
  ['a line longer than 107 bytes', Buffer.from('PROXY UNKNOWN ' + 'x'.repeat(120) + '\r\n')],
  ['v2 with version 1', Buffer.concat([V2_SIG, Buffer.from([0x11, 0x11, 0x00, 0x0c]), Buffer.alloc(12)])],
  ['v2 with command 2', Buffer.concat([V2_SIG, Buffer.from([0x22, 0x11, 0x00, 0x0c]), Buffer.alloc(12)])],
  ['v2 INET with a short address block', v2(1, 0x11, Buffer.alloc(8))],
  ['v2 INET6 with a short address block', v2(1, 0x21, Buffer.alloc(12))],
  ['v2 with an unknown family', v2(1, 0x41, Buffer.alloc(12))],
  ['v2 with an unknown transport', v2(1, 0x13, Buffer.alloc(12))],
  ['v2 longer than the limit', Buffer.concat([V2_SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])])],
];

for (const [title, bytes] of MALFORMED) {
  test(`the parser rejects ${title}`, (t) => {
    t.throws(() => parseProxyHeader(bytes), { instanceOf: ProxyProtocolError });
  });
}

// ---- a listener behind the PROXY protocol ----

const ask = async (port: number, bytes: Buffer | string, split: Split = 'whole') => {
  const r = await exchange(port, bytes, { split, timeoutMs: 30_000 });
  return { r, body: r.responses[0] ? (JSON.parse(r.responses[0].body.toString()) as { address: string; port: number; scheme: string }) : null };
};

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

test('v1 and v2 headers from a raw client name the client the app sees, however the bytes are split', async (t) => {
  const entries: AccessLogEntry[] = [];
  const { port } = await startServer(t, { app: whoami, proxyProtocol: true, accessLog: (e) => entries.push(e) });
  const v1 = 'PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n';
  for (const split of ['whole', 'bytes', [3, v1.length, v1.length + 5]] as Split[]) {
    const { body } = await ask(port, v1 + GET, split);
    t.deepEqual(body, { address: '203.0.113.7', port: 51234, scheme: 'http' });
  }
  const { body: six } = await ask(port, 'PROXY TCP6 2001:db8::7 2001:db8::1 4242 443\r\n' + GET);
  t.deepEqual(six, { address: '2001:db8::7', port: 4242, scheme: 'http' });
  const { body: two } = await ask(port, Buffer.concat([v2(1, 0x11, inet4([198, 51, 100, 9], [10, 0, 0, 1], 40000, 80)), Buffer.from(GET)]), 'bytes');
  t.deepEqual(two, { address: '198.51.100.9', port: 40000, scheme: 'http' });
  t.true(entries.some((e) => e.remoteAddress === '198.51.100.9'), 'the access log shows the real client');
});

test('UNKNOWN and LOCAL headers leave the socket peer in place', async (t) => {
  const { port } = await startServer(t, { app: whoami, proxyProtocol: true });
  const { body: unknown } = await ask(port, 'PROXY UNKNOWN\r\n' + GET);
  t.is(unknown?.address, '127.0.0.1');
  const { body: local } = await ask(port, Buffer.concat([v2(0, 0x00, Buffer.alloc(0)), Buffer.from(GET)]));
  t.is(local?.address, '127.0.0.1');
});

test('keep-alive requests after the header all see the client it named', async (t) => {
  const { port } = await startServer(t, { app: whoami, proxyProtocol: true });
  const r = await exchange(port, 'PROXY TCP4 203.0.113.7 192.0.2.1 1111 443\r\n' + GET + GET + GET, { expectResponses: 3, timeoutMs: 30_000 });
  t.is(r.responses.length, 3);
  for (const res of r.responses) t.is((JSON.parse(res.body.toString()) as { port: number }).port, 1111);
});

test('a malformed or missing header closes the connection without an answer', async (t) => {
  const { port, server } = await startServer(t, { app: whoami, proxyProtocol: true });
  for (const bytes of [GET, 'PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n' + GET, 'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n' + GET, 'PROXY ' + 'x'.repeat(200)]) {
    const r = await exchange(port, bytes, { timeoutMs: 30_000 });
    t.true(r.closed, JSON.stringify(bytes.slice(0, 30)));
    t.is(r.bytes.length, 0, 'nothing is answered');
  }
  t.is(server.connectionCount, 0);
  t.is((await ask(port, 'PROXY UNKNOWN\r\n' + GET)).body?.address, '127.0.0.1', 'the listener still serves');
});

test('a client that sends no header is cut after the timeout', async (t) => {
  const { port } = await startServer(t, { app: whoami, proxyProtocol: { timeoutMs: 200 } });
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  await new Promise((resolve) => {
    socket.on('close', resolve);
    socket.on('error', () => {});
  });
  const elapsed = Date.now() - started;
  t.true(elapsed >= 150 && elapsed < 30_000, `closed after ${elapsed} ms`);
});

const withOpenssl = needs('openssl').test;
let cert: TestCert;
withOpenssl.before(() => {
  cert = makeCert();
});
withOpenssl.after.always(() => removeCert(cert));

withOpenssl('TLS behind the PROXY protocol: the header precedes the handshake', async (t) => {
  const { port } = await startServer(t, { app: whoami, proxyProtocol: true, tls: { key: cert.key, cert: cert.cert } });
  const raw = net.connect(port, '127.0.0.1');
  await new Promise((r) => raw.once('connect', r));
  raw.write('PROXY TCP4 203.0.113.9 192.0.2.1 6000 443\r\n');
  const socket = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' });
  t.teardown(() => socket.destroy());
  await new Promise((r) => socket.once('secureConnect', r));
  t.is(socket.alpnProtocol, false, 'no ALPN offered by this client');
  socket.write(GET);
  const text = await new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.includes('}')) resolve(got);
    });
  });
  t.deepEqual(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), { address: '203.0.113.9', port: 6000, scheme: 'https' });
});

// ---- behind a real HAProxy (Debian's haproxy package) ----

const bindable = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * A free port for HAProxy to bind, below the kernel's ephemeral range: no other
 * test's port-0 server can take it before HAProxy binds it, as it could take an
 * ephemeral port bound and released here (the error-page spec saw that happen).
 */
const taken = new Set<number>();
const freePort = async (): Promise<number> => {
  const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  for (let i = 0; i < 100; i++) {
    const port = 1024 + Math.floor(Math.random() * (low - 1024));
    if (taken.has(port) || !(await bindable(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error(`no free port below ${low}`);
};

const waitForPort = async (port: number, deadline: number): Promise<void> => {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
};

/** One HTTP/1.1 GET through `port`, returning the parsed JSON and the client socket's own port. */
const getVia = (port: number) =>
  new Promise<{ body: { address: string; port: number }; localPort: number }>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let localPort = 0;
    let got = '';
    socket.once('connect', () => {
      localPort = socket.localPort!;
      socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('end', () => {
      try {
        resolve({ body: JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)), localPort });
      } catch (err) {
        reject(new Error(`bad answer ${JSON.stringify(got)}: ${String(err)}`));
      }
    });
    socket.on('error', reject);
  });

const withHaproxy = needs('haproxy');

withHaproxy.test('behind HAProxy with send-proxy and send-proxy-v2, the app and the access log see the real client', async (t) => {
  const entries: AccessLogEntry[] = [];
  const { port } = await startServer(t, { app: whoami, proxyProtocol: true, accessLog: (e) => entries.push(e) });
  const [v1Port, v2Port] = [await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-haproxy-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    `global
  maxconn 64
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend v1
  bind 127.0.0.1:${v1Port}
  default_backend portico_v1
frontend v2
  bind 127.0.0.1:${v2Port}
  default_backend portico_v2
backend portico_v1
  server portico 127.0.0.1:${port} send-proxy
backend portico_v2
  server portico 127.0.0.1:${port} send-proxy-v2
`,
  );
  const haproxy = spawn(withHaproxy.paths.haproxy!, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  haproxy.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise((r) => haproxy.once('exit', r));
  t.teardown(async () => {
    haproxy.kill('SIGTERM');
    await exited;
  });
  try {
    await waitForPort(v1Port, Date.now() + 15_000);
    await waitForPort(v2Port, Date.now() + 15_000);
  } catch (err) {
    t.fail(`haproxy did not start: ${String(err)} ${stderr}`);
    return;
  }
  for (const front of [v1Port, v2Port]) {
    const { body, localPort } = await getVia(front);
    t.is(body.address, '127.0.0.1');
    t.is(body.port, localPort, "the app sees the client socket's own port, not HAProxy's");
    t.true(entries.some((e) => e.remoteAddress === '127.0.0.1'));
  }
  // The probes waitForPort made arrive as connections with a header and no request; none is served as one.
  t.true(entries.every((e) => e.status === 200), JSON.stringify(entries.map((e) => e.status)));
});

test('close() does not wait for a client that has not sent its PROXY header', async (t) => {
  const { server, port } = await startServer(t, { app: whoami, proxyProtocol: { timeoutMs: 60_000 } });
  const idle = net.connect(port, '127.0.0.1');
  t.teardown(() => idle.destroy());
  idle.on('error', () => {});
  await new Promise((r) => idle.once('connect', r));
  idle.write('PROXY TCP4 1.2.3.4'); // half a header
  const dropped = new Promise((r) => idle.once('close', r));
  await new Promise((r) => setTimeout(r, 100));
  const closed = await Promise.race([server.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  t.true(closed, 'close() resolves long before the header timeout');
  await dropped;
});
