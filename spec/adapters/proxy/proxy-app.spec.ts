import test, { type ExecutionContext } from 'ava';
import crypto from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { settled } from '../../helpers/settled.js';
import { afterHead, exchange as rawExchange, type ExchangeOptions } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { runAdapterContract } from '../../helpers/adapter-contract.js';
import { proxyApp, type ProxyOptions } from '../../../adapters/proxy/index.js';
import { OptionError } from '../../../adapters/option-error.js';
import { closedPort, startUpstream, type Upstream } from './upstream.js';

const quiet = { error() {} };

/** Raw exchanges with a bound generous enough for a loaded machine (they end as soon as the answer is in). */
const exchange = (port: number, bytes: string, options: ExchangeOptions = {}) => rawExchange(port, bytes, { timeoutMs: 30_000, ...options });


/** A proxy app to `upstream`, closed when the test ends. */
const proxyTo = (t: ExecutionContext, upstream: string, options: Partial<ProxyOptions> = {}) => {
  const app = proxyApp({ upstream, logger: quiet, ...options });
  t.teardown(() => app.close());
  return app;
};

const withUpstream = async (t: ExecutionContext, setup: Parameters<typeof startUpstream>[0]): Promise<Upstream> => {
  const upstream = await startUpstream(setup);
  t.teardown(() => upstream.close());
  return upstream;
};

/** Echoes what the upstream received: method, URL, headers. */
const inspect = (app: import('express').Express) =>
  app.all('*', (req, res) => {
    res.json({ method: req.method, url: req.originalUrl, headers: req.headers, rawHeaders: req.rawHeaders });
  });

// ---- the contract every adapter passes, with an Express app behind the proxy ----

let contractUpstream: Upstream;
test.before(async () => {
  contractUpstream = await startUpstream((app) => {
    app.use(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const q = req.originalUrl.indexOf('?');
      res.json({
        method: req.method,
        path: decodeURIComponent(q === -1 ? req.originalUrl : req.originalUrl.slice(0, q)),
        query: q === -1 ? '' : req.originalUrl.slice(q + 1),
        header: req.headers['x-contract'] ?? null,
        body,
      });
    });
  });
});
test.after.always(() => contractUpstream?.close());
// Serial: these run first, alone, so the heavy streaming tests below cannot starve their short raw-socket bounds.
runAdapterContract(test.serial, 'proxy', () => proxyApp({ upstream: contractUpstream.url, logger: quiet }));

// ---- forwarding ----

test('GET is forwarded under the base path with the raw path and query', async (t) => {
  const upstream = await withUpstream(t, inspect);
  const { url } = await startServer(t, { mounts: { '/api': proxyTo(t, upstream.url + '/base/') } });
  const res = await request(`${url}/api/a%2Fb/c%20d?x=1&y=%2F`);
  t.is(res.statusCode, 200);
  const seen = (await res.body.json()) as { method: string; url: string };
  t.is(seen.method, 'GET');
  t.is(seen.url, '/base/a%2Fb/c%20d?x=1&y=%2F');
});

test('the mount root maps to the upstream root', async (t) => {
  const upstream = await withUpstream(t, inspect);
  const { url } = await startServer(t, { mounts: { '/api': proxyTo(t, upstream.url) } });
  const seen = (await (await request(`${url}/api`)).body.json()) as { url: string };
  t.is(seen.url, '/');
});

test('hop-by-hop request fields are removed and forwarding fields added', async (t) => {
  const upstream = await withUpstream(t, inspect);
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const r = await exchange(
    port,
    'GET /p/x HTTP/1.1\r\nHost: front.example:8443\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n' +
      'TE: trailers\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\nX-Forwarded-For: 10.0.0.1\r\n' +
      'Forwarded: for=10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Kept: yes\r\n\r\n',
  );
  t.is(r.responses[0]?.status, 200);
  const seen = JSON.parse(r.responses[0]!.body.toString()) as { headers: Record<string, string> };
  const h = seen.headers;
  for (const name of ['x-secret', 'keep-alive', 'te', 'proxy-connection', 'proxy-authorization', 'upgrade', 'trailer']) {
    t.false(name in h, `${name} is not forwarded`);
  }
  t.not(h['connection'], 'keep-alive, X-Secret');
  t.is(h['x-kept'], 'yes');
  t.is(h['host'], `127.0.0.1:${upstream.port}`, 'Host is the upstream by default');
  t.is(h['x-forwarded-for'], '10.0.0.1, 127.0.0.1', 'the client address is appended');
  t.is(h['x-forwarded-proto'], 'http', "the proxy's own scheme, not the client's claim");
  t.is(h['x-forwarded-host'], 'front.example:8443');
  t.is(h['forwarded'], 'for=10.0.0.1, for=127.0.0.1;proto=http;host="front.example:8443"');
  t.is(h['via'], '1.1 portico');
});

test('preserveHost sends the client Host upstream', async (t) => {
  const upstream = await withUpstream(t, inspect);
  const { url } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url, { preserveHost: true, via: false }) } });
  const res = await request(`${url}/p`, { headers: { host: 'site.example' } });
  const seen = (await res.body.json()) as { headers: Record<string, string> };
  t.is(seen.headers['host'], 'site.example');
  t.false('via' in seen.headers);
  t.is(seen.headers['forwarded'], 'for=127.0.0.1;proto=http;host=site.example');
});

test('hop-by-hop response fields are removed; Set-Cookie lines stay separate', async (t) => {
  const upstream = await withUpstream(t, (app) =>
    app.get('/r', (_req, res) => {
      res.setHeader('Connection', 'keep-alive, X-Internal');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('X-Internal', 'secret');
      res.setHeader('Proxy-Connection', 'keep-alive');
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('X-Public', 'yes');
      res.send('ok');
    }),
  );
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const r = await exchange(port, 'GET /p/r HTTP/1.1\r\nHost: x\r\n\r\n');
  const res = r.responses[0]!;
  t.is(res.status, 200);
  t.is(res.body.toString(), 'ok');
  t.is(header(res, 'x-internal'), undefined);
  t.is(header(res, 'keep-alive'), undefined);
  t.is(header(res, 'proxy-connection'), undefined);
  t.is(header(res, 'x-public'), 'yes');
  t.deepEqual(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1; Path=/', 'b=2; Path=/']);
  t.is(header(res, 'content-length'), '2');
  t.false(r.closed, 'the client connection stays open');
});

test('HEAD gets the upstream length and no body', async (t) => {
  const upstream = await withUpstream(t, (app) => app.get('/f', (_req, res) => res.type('text/plain').send('x'.repeat(5000))));
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const r = await exchange(port, 'HEAD /p/f HTTP/1.1\r\nHost: x\r\n\r\nGET /p/f HTTP/1.1\r\nHost: x\r\n\r\n', {
    expectResponses: 2,
    headRequests: new Set([0]),
  });
  t.is(r.responses[0]?.status, 200);
  t.is(header(r.responses[0]!, 'content-length'), '5000');
  t.is(r.responses[0]?.body.length, 0);
  t.is(r.responses[1]?.body.length, 5000, 'the next response on the connection is intact');
});

test('POST with Expect: 100-continue is forwarded', async (t) => {
  const upstream = await withUpstream(t, (app) =>
    app.post('/u', async (req, res) => {
      let n = 0;
      for await (const c of req) n += (c as Buffer).length;
      res.json({ n, expect: req.headers['expect'] ?? null });
    }),
  );
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const r = await exchange(port, 'POST /p/u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello');
  const final = r.responses.find((x) => x.status >= 200)!;
  t.is(final.status, 200);
  t.deepEqual(JSON.parse(final.body.toString()), { n: 5, expect: null });
});

// ---- streaming ----

const pattern = (i: number, size: number): Buffer => {
  const b = Buffer.alloc(size);
  b.fill(`chunk-${i}-`);
  return b;
};

test('a 50 MiB upload streams through (chunked and with Content-Length) and hashes the same upstream', async (t) => {
  const upstream = await withUpstream(t, (app) =>
    app.post('/upload', async (req, res) => {
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      for await (const c of req) {
        hash.update(c as Buffer);
        bytes += (c as Buffer).length;
      }
      res.json({ bytes, sha256: hash.digest('hex'), te: req.headers['transfer-encoding'] ?? null, cl: req.headers['content-length'] ?? null });
    }),
  );
  const { url } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const CHUNK = 256 * 1024;
  const COUNT = 200; // 50 MiB
  const expected = crypto.createHash('sha256');
  for (let i = 0; i < COUNT; i++) expected.update(pattern(i, CHUNK));
  const digest = expected.digest('hex');
  const body = () =>
    Readable.from(
      (function* () {
        for (let i = 0; i < COUNT; i++) yield pattern(i, CHUNK);
      })(),
    );
  const chunked = await request(`${url}/p/upload`, { method: 'POST', body: body() });
  t.deepEqual(await chunked.body.json(), { bytes: CHUNK * COUNT, sha256: digest, te: 'chunked', cl: null });
  const sized = await request(`${url}/p/upload`, { method: 'POST', body: body(), headers: { 'content-length': String(CHUNK * COUNT) } });
  t.deepEqual(await sized.body.json(), { bytes: CHUNK * COUNT, sha256: digest, te: null, cl: String(CHUNK * COUNT) });
});

test('a download to a slow client streams with backpressure and arrives whole', async (t) => {
  const CHUNK = 64 * 1024;
  const COUNT = 1024; // 64 MiB
  let written = 0;
  const upstream = await withUpstream(t, (app) =>
    app.get('/big', async (_req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('content-length', String(CHUNK * COUNT));
      for (let i = 0; i < COUNT && !res.destroyed; i++) {
        const ok = res.write(pattern(i, CHUNK));
        written += CHUNK;
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    }),
  );
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const expected = crypto.createHash('sha256');
  for (let i = 0; i < COUNT; i++) expected.update(pattern(i, CHUNK));

  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.write('GET /p/big HTTP/1.1\r\nHost: x\r\n\r\n');
  const hash = crypto.createHash('sha256');
  let bodyBytes = 0;
  let head: Buffer = Buffer.alloc(0);
  // Read a little (1 MiB: by time, a fast machine would read all 64 MiB first), then
  // stall: the upstream must stall too instead of Portico buffering it all.
  let stalled = false;
  let readALittle!: () => void;
  const aLittleRead = new Promise<void>((r) => (readALittle = r));
  socket.on(
    'data',
    afterHead(
      (chunk) => {
        hash.update(chunk);
        bodyBytes += chunk.length;
        if (bodyBytes >= 1024 * 1024 && !stalled) {
          stalled = true;
          socket.pause();
          readALittle();
        }
      },
      (h) => (head = h),
    ),
  );
  await aLittleRead;
  const writtenWhileStalled = await settled(() => written);
  t.true(writtenWhileStalled < CHUNK * COUNT, `the upstream is held back (wrote ${writtenWhileStalled} of ${CHUNK * COUNT} bytes)`);
  // A slow reader: small reads with pauses, then the rest.
  for (let i = 0; i < 5; i++) {
    socket.resume();
    await new Promise((r) => setTimeout(r, 20));
    socket.pause();
    await new Promise((r) => setTimeout(r, 50));
  }
  socket.resume();
  const deadline = Date.now() + 60_000;
  while (bodyBytes < CHUNK * COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.regex(head.toString('latin1'), /^HTTP\/1\.1 200 /);
  t.regex(head.toString('latin1'), /\r\ncontent-length: 67108864\r\n/i);
  t.is(bodyBytes, CHUNK * COUNT);
  t.is(hash.digest('hex'), expected.digest('hex'));
});

test('a client that leaves mid-download aborts the upstream response', async (t) => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const upstream = await withUpstream(t, (app) =>
    app.get('/endless', (_req, res) => {
      res.on('close', () => upstreamClosed());
      const timer = setInterval(() => res.write('tick\n'), 10);
      res.on('close', () => clearInterval(timer));
    }),
  );
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /p/endless HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => socket.once('data', r));
  socket.destroy();
  await closed;
  t.pass();
});

// ---- failures ----

test('an upstream that refuses connections gives 502 and is logged with the mount', async (t) => {
  const errors: Array<Record<string, unknown> | undefined> = [];
  const port = await closedPort();
  const app = proxyApp({ upstream: `http://127.0.0.1:${port}`, logger: { error: (_m, f) => errors.push(f) } });
  t.teardown(() => app.close());
  const { url } = await startServer(t, { mounts: { '/down': app } });
  const res = await request(`${url}/down/x`);
  t.is(res.statusCode, 502);
  t.regex(await res.body.text(), /Bad Gateway/);
  t.is(errors.length, 1);
  t.is(errors[0]?.['mount'], '/down');
  t.is(errors[0]?.['code'], 'ECONNREFUSED');
});

test('an upstream slower than timeoutMs gives 504', async (t) => {
  const upstream = await withUpstream(t, (app) =>
    app.get('/slow', (_req, res) => {
      const timer = setTimeout(() => res.send('late'), 20_000);
      res.on('close', () => clearTimeout(timer));
    }),
  );
  const { url } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url, { timeoutMs: 300 }) } });
  const res = await request(`${url}/p/slow`);
  t.is(res.statusCode, 504, 'long before the upstream would answer');
  t.regex(await res.body.text(), /Gateway Timeout/);
});

test('an upstream that dies mid-body cuts the client connection', async (t) => {
  const upstream = await withUpstream(t, (app) =>
    app.get('/cut', (req, res) => {
      res.setHeader('content-length', '100000');
      res.write('x'.repeat(1000));
      setTimeout(() => req.socket.destroy(), 50);
    }),
  );
  const { port } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) } });
  const r = await exchange(port, 'GET /p/cut HTTP/1.1\r\nHost: x\r\n\r\n');
  t.true(r.closed);
  t.is(r.responses.length, 0, 'no complete response');
  t.regex(r.bytes.toString('latin1'), /^HTTP\/1\.1 200 /);
});

test('upstream must be an http(s) URL', (t) => {
  t.throws(() => proxyApp({ upstream: 'ftp://example.com' }), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION', message: 'proxyApp: upstream must be an http: or https: URL, not ftp://example.com' } as never);
});

test('with compression on, a proxied text response is compressed; an already-gzipped one passes as is', async (t) => {
  const text = 'proxied and compressed\n'.repeat(2000);
  const gzipped = (await import('node:zlib')).gzipSync('precompressed');
  const upstream = await withUpstream(t, (app) => {
    app.get('/text', (_req, res) => res.type('text/plain').send(text));
    app.get('/gz', (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipped);
    });
  });
  const { url } = await startServer(t, { mounts: { '/p': proxyTo(t, upstream.url) }, compression: true });
  const zlib = await import('node:zlib');
  const res = await request(`${url}/p/text`, { headers: { 'accept-encoding': 'gzip' } });
  t.is(res.headers['content-encoding'], 'gzip');
  t.is(res.headers['vary'], 'Accept-Encoding');
  t.is(zlib.gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString(), text);
  const gz = await request(`${url}/p/gz`, { headers: { 'accept-encoding': 'gzip, br' } });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.deepEqual(Buffer.from(await gz.body.arrayBuffer()), gzipped);
});
