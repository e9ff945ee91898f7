import test from 'ava';
import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { afterHead, exchange } from '../helpers/raw-client.js';
import { settled } from '../helpers/settled.js';
import { header, type RawResponse } from '../helpers/response-reader.js';
import { compress, validate, type App, type OutgoingHeaders, type Violation } from '../../gateway/index.js';
import { negotiateEncoding, isCompressibleType } from '../../adapters/middleware/compression/index.js';

const TEXT = 'Portico compresses text. '.repeat(200); // 5000 bytes

const decode = (res: RawResponse): Buffer => {
  switch (header(res, 'content-encoding')) {
    case 'gzip':
      return zlib.gunzipSync(res.body);
    case 'br':
      return zlib.brotliDecompressSync(res.body);
    default:
      return res.body;
  }
};

const get = async (port: number, path: string, acceptEncoding: string | null, method = 'GET') => {
  const ae = acceptEncoding === null ? '' : `Accept-Encoding: ${acceptEncoding}\r\n`;
  const r = await exchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\n${ae}\r\n`, {
    headRequests: method === 'HEAD' ? new Set([0]) : undefined,
    timeoutMs: 30_000, // ends as soon as the answer is in; generous for a loaded machine
  });
  return r.responses[0]!;
};

/** An app answering `body` with `headers` at any path. */
const fixed = (headers: OutgoingHeaders, body: string | Buffer = TEXT, status = 200): App => () => ({ status, headers, body });

// ---- negotiation ----

test('Accept-Encoding negotiation: q-values, *, identity, ties to the preferred order', (t) => {
  const pref = ['br', 'gzip'] as const;
  t.is(negotiateEncoding('gzip', pref), 'gzip');
  t.is(negotiateEncoding('br', pref), 'br');
  t.is(negotiateEncoding('gzip, deflate, br', pref), 'br');
  t.is(negotiateEncoding('br;q=0.5, gzip', pref), 'gzip');
  t.is(negotiateEncoding('GZIP;Q=0.8', pref), 'gzip');
  t.is(negotiateEncoding('*', pref), 'br');
  t.is(negotiateEncoding('*;q=0.1, br;q=0', pref), 'gzip');
  t.is(negotiateEncoding('identity', pref), null);
  t.is(negotiateEncoding('gzip;q=0', pref), null);
  t.is(negotiateEncoding('', pref), null);
  t.is(negotiateEncoding('br, gzip', ['gzip']), 'gzip');
});

test('compressible types', (t) => {
  for (const type of ['text/html; charset=utf-8', 'application/json', 'application/javascript', 'image/svg+xml', 'application/problem+json', 'application/atom+xml', 'TEXT/CSS']) {
    t.true(isCompressibleType(type), type);
  }
  for (const type of ['image/png', 'application/octet-stream', 'video/mp4', 'application/zip', 'font/woff2']) t.false(isCompressibleType(type), type);
});

// ---- when it applies ----

test('gzip and br are chosen by Accept-Encoding, with Vary and a Content-Length for a complete body', async (t) => {
  const { port } = await startServer(t, { app: fixed({ 'content-type': 'text/plain' }), compression: true });
  for (const [accept, coding] of [
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.1, gzip;q=0.9', 'gzip'],
  ] as const) {
    const res = await get(port, '/', accept);
    t.is(res.status, 200);
    t.is(header(res, 'content-encoding'), coding, accept);
    t.is(header(res, 'vary'), 'Accept-Encoding');
    t.is(res.framing, 'length');
    t.true(res.body.length < TEXT.length / 4, `${coding} is smaller (${res.body.length} bytes)`);
    t.is(decode(res).toString(), TEXT);
  }
});

test('an existing Vary gains Accept-Encoding once, a strong ETag turns weak', async (t) => {
  const { port } = await startServer(t, {
    mounts: {
      '/a': fixed({ 'content-type': 'text/html', vary: 'Origin', etag: '"v1"' }),
      '/b': fixed({ 'content-type': 'text/html', vary: 'accept-encoding, Origin', etag: 'W/"v2"' }),
    },
    compression: true,
  });
  const a = await get(port, '/a', 'gzip');
  t.is(header(a, 'vary'), 'Origin, Accept-Encoding');
  t.is(header(a, 'etag'), 'W/"v1"');
  const b = await get(port, '/b', 'gzip');
  t.is(header(b, 'vary'), 'accept-encoding, Origin');
  t.is(header(b, 'etag'), 'W/"v2"');
});

test('not applied: small, incompressible, already encoded, ranges, no-transform, HEAD, 204, 304, no Accept-Encoding', async (t) => {
  const gz = zlib.gzipSync(TEXT);
  const { port } = await startServer(t, {
    mounts: {
      '/small': fixed({ 'content-type': 'text/plain' }, 'tiny'),
      '/png': fixed({ 'content-type': 'image/png' }),
      '/untyped': fixed({}),
      '/encoded': fixed({ 'content-type': 'text/plain', 'content-encoding': 'gzip' }, gz),
      '/range': fixed({ 'content-type': 'text/plain', 'content-range': `bytes 0-4999/10000` }, TEXT, 206),
      '/no-transform': fixed({ 'content-type': 'text/plain', 'cache-control': 'public, no-transform' }),
      '/declared-small': (_env, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' });
        res.write('01234');
        res.end('56789');
      },
      '/plain': fixed({ 'content-type': 'text/plain' }),
      '/204': fixed({ 'content-type': 'text/plain' }, '', 204),
      '/304': fixed({ 'content-type': 'text/plain', etag: '"x"' }, '', 304),
    },
    compression: true,
  });
  const expectIdentity = async (path: string, body: Buffer | string, accept: string | null = 'gzip, br', method = 'GET') => {
    const res = await get(port, path, accept, method);
    t.is(header(res, 'content-encoding'), path === '/encoded' ? 'gzip' : undefined, path);
    t.deepEqual(res.body, Buffer.from(body), path);
    return res;
  };
  await expectIdentity('/small', 'tiny');
  await expectIdentity('/png', TEXT);
  await expectIdentity('/untyped', TEXT);
  await expectIdentity('/encoded', gz);
  t.is((await expectIdentity('/range', TEXT)).status, 206);
  await expectIdentity('/no-transform', TEXT);
  await expectIdentity('/declared-small', '0123456789');
  await expectIdentity('/plain', TEXT, null);
  await expectIdentity('/plain', TEXT, 'identity');
  const head = await expectIdentity('/plain', '', 'gzip', 'HEAD');
  t.is(header(head, 'content-length'), String(TEXT.length), 'HEAD has the length GET would have uncompressed');
  t.is((await get(port, '/204', 'gzip')).status, 204);
  t.is((await get(port, '/304', 'gzip')).status, 304);
  t.is(header(await get(port, '/304', 'gzip'), 'content-encoding'), undefined);
});

// ---- streaming ----

const bigText = (n: number): string[] => Array.from({ length: n }, (_, i) => `{"line":${i},"text":"${crypto.createHash('sha1').update(String(i)).digest('hex')}"}\n`);

test('a streamed body (async iterable) is compressed on the fly, chunked, and decompresses to the original', async (t) => {
  const lines = bigText(20_000); // ~1.1 MB
  const app: App = () => ({
    status: 200,
    headers: { 'content-type': 'application/x-ndjson' },
    body: (async function* () {
      for (let i = 0; i < lines.length; i += 100) yield lines.slice(i, i + 100).join('');
    })(),
  });
  const { port } = await startServer(t, { app, compression: true });
  for (const coding of ['gzip', 'br']) {
    const res = await get(port, '/', coding);
    t.is(header(res, 'content-encoding'), coding);
    t.is(res.framing, 'chunked');
    t.is(header(res, 'content-length'), undefined);
    t.is(decode(res).toString(), lines.join(''));
  }
});

test('a large complete body is streamed through zlib too', async (t) => {
  const body = bigText(5000).join(''); // > 64 KiB
  const { url } = await startServer(t, { app: fixed({ 'content-type': 'application/json' }, body), compression: { encodings: ['gzip'] } });
  const res = await request(url, { headers: { 'accept-encoding': 'gzip, br' } });
  t.is(res.headers['content-encoding'], 'gzip');
  t.is(zlib.gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString(), body);
});

test('compressed streaming keeps backpressure: a stalled client stalls the app', async (t) => {
  const CHUNK = 64 * 1024;
  const COUNT = 512; // 32 MiB of base64 text, which compresses only to ~3/4
  let produced = 0;
  const chunks = Array.from({ length: 16 }, () => crypto.randomBytes((CHUNK / 4) * 3).toString('base64'));
  const app: App = async (_env, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < COUNT && !res.aborted; i++) {
      produced += CHUNK;
      if (!res.write(chunks[i % 16]!)) await new Promise<void>((r) => res.onDrain(r));
    }
    if (!res.aborted) res.end();
  };
  const { port } = await startServer(t, { app, compression: true });
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  const inflate = zlib.createGunzip();
  let pending: Buffer = Buffer.alloc(0);
  let decoded = 0;
  inflate.on('data', (c: Buffer) => (decoded += c.length));
  // Minimal chunked decoder, enough for this test.
  const dechunk = (): void => {
    for (;;) {
      const eol = pending.indexOf('\r\n');
      if (eol === -1) return;
      const size = parseInt(pending.subarray(0, eol).toString(), 16);
      if (size === 0) {
        inflate.end();
        pending = Buffer.alloc(0);
        return;
      }
      if (pending.length < eol + 2 + size + 2) return;
      inflate.write(pending.subarray(eol + 2, eol + 2 + size));
      pending = pending.subarray(eol + 2 + size + 2);
    }
  };
  let head: Buffer = Buffer.alloc(0);
  socket.on(
    'data',
    afterHead(
      (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        dechunk();
      },
      (h) => (head = h),
    ),
  );
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  socket.pause();
  const stalledAt = await settled(() => produced);
  t.true(stalledAt < CHUNK * COUNT, `the app is held back (${stalledAt} of ${CHUNK * COUNT})`);
  socket.resume();
  const ended = new Promise((r) => inflate.once('end', r));
  await Promise.race([ended, new Promise((r) => setTimeout(r, 60_000))]);
  t.regex(head.toString(), /content-encoding: gzip/i);
  t.is(decoded, CHUNK * COUNT);
});

test('server-sent events are flushed per write, not held in the compressor', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const app: App = async (_env, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: one\n\n');
    await released;
    res.write('data: two\n\n');
    res.end();
  };
  for (const coding of ['gzip', 'br'] as const) {
    const { url } = await startServer(t, { app, compression: { threshold: 0 } });
    const res = await request(url, { headers: { 'accept-encoding': coding } });
    t.is(res.headers['content-encoding'], coding);
    const inflate = coding === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress();
    let text = '';
    inflate.on('data', (c: Buffer) => (text += c.toString()));
    const first = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      inflate.on('data', () => {
        if (text.includes('data: one')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    res.body.on('data', (c: Buffer) => inflate.write(c));
    res.body.on('end', () => inflate.end());
    t.true(await first, `${coding}: the first event arrives while the stream is still open`);
    t.false(text.includes('two'));
    release();
    await new Promise((r) => inflate.once('end', r));
    t.is(text, 'data: one\n\ndata: two\n\n');
  }
});

test('compress() wraps one app; a failing app still gets a 500', async (t) => {
  const { port } = await startServer(t, {
    mounts: {
      '/z': compress(fixed({ 'content-type': 'text/plain' }, 'short text'), { threshold: 0, encodings: ['gzip'] }),
      '/boom': compress(() => {
        throw new Error('boom');
      }),
      '/late': compress(async () => {
        await new Promise((r) => setTimeout(r, 10));
        throw new Error('late boom');
      }),
    },
  });
  const z = await get(port, '/z', 'br, gzip');
  t.is(header(z, 'content-encoding'), 'gzip');
  t.is(decode(z).toString(), 'short text');
  t.is((await get(port, '/boom', 'gzip')).status, 500);
  t.is((await get(port, '/late', 'gzip')).status, 500);
});

test('the compressing responder keeps the gateway interface (validate() around it finds nothing)', async (t) => {
  const violations: Violation[] = [];
  const lines = bigText(3000);
  const streaming: App = async (_env, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const line of lines) if (!res.write(line)) await new Promise<void>((r) => res.onDrain(r));
    res.end(undefined, { 'x-done': '1' });
  };
  const { port } = await startServer(t, {
    mounts: {
      '/s': validate(compress(streaming), (v) => violations.push(v)),
      '/c': validate(compress(fixed({ 'content-type': 'text/plain' })), (v) => violations.push(v)),
      '/i': validate(compress(fixed({ 'content-type': 'image/png' })), (v) => violations.push(v)),
    },
  });
  for (const coding of ['gzip', 'br', null]) {
    const s = await get(port, '/s', coding);
    t.is(decode(s).toString(), lines.join(''));
    t.deepEqual(s.trailers, [['x-done', '1']], 'trailers pass through the compressor');
    t.is(decode(await get(port, '/c', coding)).toString(), TEXT);
    t.is(decode(await get(port, '/i', coding)).toString(), TEXT);
  }
  t.deepEqual(violations, []);
});
