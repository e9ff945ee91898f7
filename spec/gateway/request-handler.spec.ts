// The gateway's request handler (gateway/request-handler.ts) over the wire: the
// env an app receives, OPTIONS *, 404/405/413/400 error pages (HTML or JSON),
// custom error pages, the ways an app may answer, and the failures it contains.

import test from 'ava';
import { request } from 'undici';
import type { App, Env } from '../../gateway/index.js';
import { ACCEPTS_UNDECODED_PATHS } from '../../adapters/env.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import { startServer } from '../helpers/server.js';

test('the env: paths, query, target, protocol, headers, addresses, extensions', async (t) => {
  let env: Env | undefined;
  const { port } = await startServer(t, {
    mounts: {
      '/mnt/sub': (e) => {
        env = e;
        return { status: 204 };
      },
    },
  });
  await exchange(port, 'GET /mnt/sub/a%20b/../c%2Fd?x=1&y=%20 HTTP/1.1\r\nHost: Example.COM:8080\r\nX-Two: 1\r\nx-two: 2\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n');
  t.truthy(env);
  const e = env!;
  t.is(e.method, 'GET');
  t.is(e.scriptName, '/mnt/sub');
  t.is(e.pathInfo, '/c%2Fd');
  t.is(e.rawPathInfo, '/c%2Fd');
  t.is(e.queryString, 'x=1&y=%20');
  t.is(e.target, '/mnt/sub/a%20b/../c%2Fd?x=1&y=%20');
  t.is(e.protocol, 'HTTP/1.1');
  t.is(e.headers['x-two'], '1, 2');
  t.is(e.headers['cookie'], 'a=1; b=2');
  t.deepEqual(e.rawHeaders.slice(0, 4), ['Host', 'Example.COM:8080', 'X-Two', '1']);
  t.is(e.scheme, 'http');
  t.false(e.secure);
  t.is(e.serverName, 'example.com');
  t.is(e.serverPort, 8080);
  t.is(e.remoteAddress, '127.0.0.1');
  t.true(e.remotePort > 0);
  t.is(e.localAddress, '127.0.0.1');
  t.is(e.localPort, port);
  t.is(e.extensions['portico.mount'], '/mnt/sub');
  t.is(typeof e.extensions['portico.waitUntil'], 'function');
  t.truthy(e.extensions['portico.connection']);
  t.is(e.extensions['portico.upgrade'], false);
  t.is(e.body.length, 0);
});

test('rawPathInfo keeps the encoding of the path below the mount', async (t) => {
  const seen: Array<[string, string]> = [];
  const { port } = await startServer(t, { mounts: { '/m': (e) => (seen.push([e.pathInfo, e.rawPathInfo]), { status: 204 }) } });
  await exchange(port, 'GET /m/caf%C3%A9/x%20y HTTP/1.1\r\nHost: h\r\n\r\nGET /m HTTP/1.1\r\nHost: h\r\n\r\n', { expectResponses: 2 });
  t.deepEqual(seen, [['/café/x y', '/caf%C3%A9/x%20y'], ['', '']]);
});

test('a path that cannot be decoded: 400, unless the mount\'s app judges such paths itself (ACCEPTS_UNDECODED_PATHS)', async (t) => {
  const seen: Array<[string, string, string]> = [];
  const judge: App = Object.assign((e: Env) => (seen.push([e.scriptName, e.pathInfo, e.rawPathInfo]), { status: 204 }), { [ACCEPTS_UNDECODED_PATHS]: true });
  const { port } = await startServer(t, { mounts: { '/own': judge, '/plain': () => ({ status: 204 }) } });
  const status = async (path: string) => (await exchange(port, `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`)).responses[0]!.status;
  t.is(await status('/own/%'), 204);
  t.is(await status('/own/a%ZZ/%C3'), 204);
  t.is(await status('/plain/%'), 400);
  t.is(await status('/nowhere/%'), 400);
  t.deepEqual(seen, [['/own', '/%', '/%'], ['/own', '/a%ZZ/%C3', '/a%ZZ/%C3']]);
});

test('HTTP/1.0 without Host: the server name is the local address; Upgrade is flagged', async (t) => {
  const seen: Array<Partial<Env>> = [];
  const { port } = await startServer(t, { app: (e) => (seen.push({ serverName: e.serverName, serverPort: e.serverPort, protocol: e.protocol, extensions: e.extensions }), { status: 204 }) });
  await exchange(port, 'GET / HTTP/1.0\r\n\r\n');
  await exchange(port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  t.is(seen[0]!.serverName, '127.0.0.1');
  t.is(seen[0]!.serverPort, port);
  t.is(seen[0]!.protocol, 'HTTP/1.0');
  t.is(seen[1]!.extensions!['portico.upgrade'], true);
});

test('OPTIONS * is answered by the server with Allow', async (t) => {
  let called = false;
  const { port } = await startServer(t, { app: () => ((called = true), { status: 200 }) });
  const r = await exchange(port, 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n');
  t.is(r.responses[0]!.status, 200);
  t.regex(header(r.responses[0]!, 'allow')!, /GET.*OPTIONS/);
  t.false(called);
});

test('error pages: 404, 405 with Allow, 413 per mount, 400 for a bad path; JSON on request', async (t) => {
  const { url } = await startServer(t, {
    mounts: {
      '/get-only': { app: () => ({ status: 200 }), methods: ['GET'] },
      '/small': { app: async (e) => ({ status: 200, body: await e.body.bytes() }), maxBodyBytes: 4 },
    },
  });
  const nf = await request(url + '/nothing');
  t.is(nf.statusCode, 404);
  t.regex(String(nf.headers['content-type']), /text\/html/);
  t.regex(await nf.body.text(), /404 Not Found/);
  const na = await request(url + '/get-only', { method: 'DELETE', headers: { accept: 'application/json' } });
  t.is(na.statusCode, 405);
  t.is(na.headers['allow'], 'GET, HEAD');
  t.deepEqual(await na.body.json(), { error: { status: 405, message: 'Method not allowed here.' } });
  const big = await request(url + '/small', { method: 'POST', body: 'hello' });
  t.is(big.statusCode, 413);
  await big.body.dump();
  const fits = await request(url + '/small', { method: 'POST', body: 'hell' });
  t.is(await fits.body.text(), 'hell');
  const bad = await request(url + '/%zz');
  t.is(bad.statusCode, 400);
  await bad.body.dump();
});

test('custom error pages replace the defaults, engine errors included', async (t) => {
  const { port } = await startServer(t, {
    mounts: { '/x': () => ({ status: 200 }) },
    errorPages: { 404: '<p>nothing here</p>', default: (info) => ({ status: info.status, headers: { 'x-code': info.code ?? '-' }, body: `oops ${info.status}` }) },
  });
  const nf = await exchange(port, 'GET /y HTTP/1.1\r\nHost: h\r\n\r\n');
  t.is(nf.responses[0]!.body.toString(), '<p>nothing here</p>');
  const bad = await exchange(port, 'GET /x HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n');
  t.is(bad.responses[0]!.status, 400);
  t.is(header(bad.responses[0]!, 'x-code'), 'ERR_BAD_HOST');
  t.is(header(bad.responses[0]!, 'connection'), 'close');
  t.is(bad.responses[0]!.body.toString(), 'oops 400');
});

test('answers: responder, returned object, promise, ReadableStream, async iterable, null body', async (t) => {
  const { port } = await startServer(t, {
    app: (env, res) => {
      switch (env.pathInfo) {
        case '/responder':
          res.writeHead(200, { 'x-way': 'responder' });
          res.end('r');
          return undefined;
        case '/object':
          return { status: 200, headers: { 'x-way': 'object' }, body: new Uint8Array([0x6f]) };
        case '/promise':
          return Promise.resolve({ status: 200, body: 'p' });
        case '/stream':
          return {
            status: 200,
            body: new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(new TextEncoder().encode('s1'));
                c.enqueue(new TextEncoder().encode('s2'));
                c.close();
              },
            }),
          };
        case '/iterable':
          return { status: 200, body: (async function* () { yield 'i1'; yield Buffer.from('i2'); })() };
        default:
          return { status: 204, body: null };
      }
    },
  });
  let wire = '';
  for (const p of ['/responder', '/object', '/promise', '/stream', '/iterable', '/none']) wire += `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`;
  const r = await exchange(port, wire, { expectResponses: 6 });
  t.deepEqual(r.responses.map((x) => `${x.status} ${x.body.toString()}`), ['200 r', '200 o', '200 p', '200 s1s2', '200 i1i2', '204 ']);
  t.is(r.responses[3]!.framing, 'chunked');
  t.is(r.responses[1]!.framing, 'length');
});

test('failures are contained and logged with the mount', async (t) => {
  const { port, errors } = await startServer(t, {
    mounts: {
      '/api': (env, res) => {
        switch (env.pathInfo) {
          case '/twice':
            res.end('first');
            return { status: 200, body: 'second' };
          case '/bad-headers':
            return { status: 200, headers: { 'x-bad': 'a\nb' }, body: 'x' };
          case '/bad-body':
            return { status: 200, body: 42 as unknown as string };
          case '/throw-string':
            throw 'a string';
          default:
            return { status: 200, body: 'ok' };
        }
      },
    },
  });
  const r = await exchange(port, ['/twice', '/bad-headers', '/bad-body', '/throw-string', '/fine'].map((p) => `GET /api${p} HTTP/1.1\r\nHost: h\r\n\r\n`).join(''), { expectResponses: 5 });
  t.deepEqual(r.responses.map((x) => x.status), [200, 500, 500, 500, 200]);
  t.is(r.responses[0]!.body.toString(), 'first');
  t.false(r.closed);
  t.is(errors.length, 4);
  t.true(errors.every((e) => e.includes('"mount":"/api"')));
});
