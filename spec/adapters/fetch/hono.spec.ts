// Hono, the reference Fetch framework, hosted by fetchApp: routing with
// params, middleware, c.json, c.req.parseBody() with a multipart upload,
// streamSSE, several Set-Cookie through hono/cookie, app.route() and
// app.mount() of sub-apps, redirects, notFound/onError. The same app also runs
// on @hono/node-server, and both must answer alike (status, fields other than
// Date and the hop-by-hop ones each server manages for itself, body).

import test from 'ava';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { serve as nodeServe } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { FormData, request } from 'undici';
import { fetchApp, type FetchInfo } from '../../../adapters/fetch/index.js';
import { eventArrivals } from '../../helpers/event-arrivals.js';
import { startServer } from '../../helpers/server.js';
import { raw } from './helpers.js';

const makeApp = (): Hono<{ Bindings: Partial<FetchInfo> }> => {
  const app = new Hono<{ Bindings: Partial<FetchInfo> }>();
  app.use('*', async (c, next) => {
    await next();
    c.header('x-middleware', 'ran');
  });
  app.use('/admin/*', async (c, next) => {
    if (c.req.header('authorization') !== 'Bearer ok') return c.text('denied', 401);
    await next();
  });
  app.get('/', (c) => c.text('Hello Hono!'));
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null, tags: c.req.queries('tag') ?? [] }));
  app.post('/echo', async (c) => c.json({ got: await c.req.json<unknown>() }, 201));
  app.post('/form', async (c) => {
    const body = await c.req.parseBody();
    const file = body['upload'] as File;
    return c.json({ name: body['name'], file: file.name, type: file.type, size: file.size, text: await file.text() });
  });
  app.get('/cookies', (c) => {
    setCookie(c, 'a', '1', { path: '/' });
    setCookie(c, 'b', '2', { httpOnly: true, sameSite: 'Lax' });
    return c.json({ seen: getCookie(c) });
  });
  app.get('/sse', (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < 3; i++) {
        await stream.writeSSE({ event: 'tick', id: String(i), data: `tick ${i}` });
        await stream.sleep(20);
      }
    }),
  );
  app.get('/redirect', (c) => c.redirect('/users/7'));
  app.get('/admin/secret', (c) => c.text('secret'));
  app.get('/error', () => {
    throw new Error('oops');
  });
  app.get('/html', (c) => c.html('<h1>hi</h1>'));
  app.get('/bytes', (c) => c.body(new Uint8Array([1, 2, 3]), 200, { 'content-type': 'application/octet-stream' }));
  const api = new Hono();
  api.get('/ping', (c) => c.text('pong'));
  app.route('/api', api);
  const legacy = new Hono();
  legacy.get('/hello', (c) => c.text(`legacy sees ${new URL(c.req.url).pathname}`));
  app.mount('/legacy', legacy.fetch);
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((err, c) => c.text(`handled: ${err.message}`, 500));
  return app;
};

interface Call {
  method?: 'GET' | 'POST' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  body?: () => string | FormData;
}

const CALLS: Call[] = [
  { path: '/' },
  { path: '/users/42?q=x&tag=a&tag=b' },
  { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: () => '{"n":[1,2]}' },
  {
    method: 'POST',
    path: '/form',
    body: () => {
      const fd = new FormData();
      fd.set('name', 'Ada');
      fd.set('upload', new Blob(['file body ✓'], { type: 'text/plain' }), 'notes.txt');
      return fd;
    },
  },
  { path: '/cookies', headers: { cookie: 'x=1; y=2' } },
  { path: '/sse' },
  { path: '/redirect' },
  { path: '/admin/secret' },
  { path: '/admin/secret', headers: { authorization: 'Bearer ok' } },
  { path: '/error' },
  { path: '/html' },
  { path: '/bytes' },
  { path: '/api/ping' },
  { path: '/legacy/hello' },
  { path: '/nowhere' },
];

// Fields each server sets for the connection or the clock, not for the app.
// The framing (Transfer-Encoding / Content-Length) is compared on its own:
// where node-server sends a length Portico must send the same one, where it
// chunks a body Portico may instead send a length it knows (e.g. a null body).
const NOT_COMPARED = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  length: string | undefined;
  chunked: boolean;
}

const call = async (base: string, c: Call): Promise<Answer> => {
  const res = await request(base + c.path, { method: c.method ?? 'GET', headers: c.headers, body: c.body?.() });
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!NOT_COMPARED.has(k) && v !== undefined) headers[k] = v;
  const length = res.headers['content-length'] as string | undefined;
  const chunked = res.headers['transfer-encoding'] === 'chunked';
  return { status: res.statusCode, headers, body: await res.body.text(), length, chunked };
};

const startNodeServer = async (t: { teardown(fn: () => void): void }, app: Hono<{ Bindings: Partial<FetchInfo> }>): Promise<string> => {
  const server = nodeServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  t.teardown(() => {
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

test('a Hono app answers alike on @hono/node-server and on Portico', async (t) => {
  const portico = await startServer(t, { app: fetchApp(makeApp()) });
  const node = await startNodeServer(t, makeApp());
  for (const c of CALLS) {
    const what = `${c.method ?? 'GET'} ${c.path}`;
    const [a, b] = [await call(node, c), await call(portico.url, c)];
    t.deepEqual({ status: b.status, headers: b.headers, body: b.body }, { status: a.status, headers: a.headers, body: a.body }, what);
    if (a.length !== undefined) t.is(b.length, a.length, `${what}: the same Content-Length`);
    else t.true(b.chunked || b.length === String(Buffer.byteLength(b.body)), `${what}: chunked, or a correct length`);
    if (b.chunked !== a.chunked) t.log(`${what}: node-server ${a.chunked ? 'chunked' : 'length'}, Portico ${b.chunked ? 'chunked' : 'length ' + b.length}`);
  }
  t.deepEqual(portico.errors, []);
});

test('Hono features on Portico, checked one by one', async (t) => {
  const { url } = await startServer(t, { app: fetchApp(makeApp()) });
  const get = (c: Call) => call(url, c);
  const [root, user, echo, form, cookies, sse, redirect, denied, allowed, error, ping, legacy, missing] = [
    await get(CALLS[0]!),
    await get(CALLS[1]!),
    await get(CALLS[2]!),
    await get(CALLS[3]!),
    await get(CALLS[4]!),
    await get(CALLS[5]!),
    await get(CALLS[6]!),
    await get(CALLS[7]!),
    await get(CALLS[8]!),
    await get(CALLS[9]!),
    await get(CALLS[12]!),
    await get(CALLS[13]!),
    await get(CALLS[14]!),
  ];
  t.is(root.body, 'Hello Hono!');
  t.is(root.headers['x-middleware'], 'ran', 'middleware after next()');
  t.is(root.length, '11');
  t.deepEqual(JSON.parse(user.body), { id: '42', q: 'x', tags: ['a', 'b'] });
  t.is(echo.status, 201);
  t.deepEqual(JSON.parse(echo.body), { got: { n: [1, 2] } });
  t.deepEqual(JSON.parse(form.body), { name: 'Ada', file: 'notes.txt', type: 'text/plain', size: Buffer.byteLength('file body ✓'), text: 'file body ✓' });
  t.deepEqual(cookies.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/; HttpOnly; SameSite=Lax']);
  t.deepEqual(JSON.parse(cookies.body), { seen: { x: '1', y: '2' } });
  t.is(sse.headers['content-type'], 'text/event-stream');
  t.is(sse.body, [0, 1, 2].map((i) => `event: tick\ndata: tick ${i}\nid: ${i}\n\n`).join(''));
  t.is(redirect.status, 302);
  t.is(redirect.headers['location'], '/users/7');
  t.is(denied.status, 401);
  t.is(allowed.body, 'secret');
  t.is(error.status, 500);
  t.is(error.body, 'handled: oops');
  t.is(ping.body, 'pong');
  t.is(legacy.body, 'legacy sees /hello', 'app.mount() strips its prefix for the mounted fetch handler');
  t.is(missing.status, 404);
});

test('Hono streamSSE events reach the client one by one', async (t) => {
  // Each event in a read of its own, unless this process was stalled across the
  // gap (event-arrivals.ts says why that merges them and how it is told apart).
  const watch = eventArrivals();
  t.teardown(() => watch.stop());
  const app = new Hono();
  app.get('/sse', (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < 5; i++) {
        watch.produced();
        await stream.writeSSE({ data: String(i) });
        await stream.sleep(100);
      }
    }),
  );
  const { url } = await startServer(t, { app: fetchApp(app) });
  const res = await request(`${url}/sse`);
  let text = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    watch.read(chunk);
    text += chunk.toString();
  }
  watch.stop();
  t.is(text, [0, 1, 2, 3, 4].map((i) => `data: ${i}\n\n`).join(''));
  t.deepEqual(watch.unexplainedMerges(), [], `events arrive separately (${watch.reads.length} reads)`);
  t.true(watch.reads.at(-1)! - watch.productions[0]! >= 300, 'arrivals spread over the production time');
});

test('HEAD to a Hono route: GET fields, no body, the connection reusable', async (t) => {
  const { port } = await startServer(t, { app: fetchApp(makeApp()) });
  const r = await raw(port, 'HEAD', '/users/1', { expectResponses: 1 });
  t.is(r.responses[0]!.status, 200);
  t.regex(r.responses[0]!.headers.find(([n]) => n === 'content-type')?.[1] ?? '', /application\/json/);
  t.is(r.rest.length, 0);
  t.false(r.closed);
});

test('a Hono app under a Portico mount: full URLs with basePath and stripPrefix: false, or stripped by default; c.env is the info object; c.executionCtx.waitUntil', async (t) => {
  const based = new Hono<{ Bindings: FetchInfo }>().basePath('/hono');
  let waited = false;
  based.get('/who', (c) => {
    c.executionCtx.waitUntil(Promise.resolve().then(() => (waited = true)));
    return c.json({ mount: c.env.scriptName, remote: c.env.remoteAddress, url: c.req.url });
  });
  const plain = new Hono();
  plain.get('/who', (c) => c.text(new URL(c.req.url).pathname));
  const { url } = await startServer(t, { mounts: { '/hono': fetchApp(based, { stripPrefix: false }), '/plain': fetchApp(plain) } });
  const a = await request(`${url}/hono/who`);
  t.deepEqual(await a.body.json(), { mount: '/hono', remote: '127.0.0.1', url: `${url}/hono/who` });
  t.true(waited);
  const b = await request(`${url}/plain/who`);
  t.is(await b.body.text(), '/who');
});
