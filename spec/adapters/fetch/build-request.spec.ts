// The request side of the fetch adapter (build-request.ts, request-url.ts,
// request-body.ts, info.ts): the absolute URL, method, fields, body stream,
// signal and info a Fetch handler receives.

import test from 'ava';
import net from 'node:net';
import { request } from 'undici';
import { fetchApp, type FetchInfo } from '../../../adapters/fetch/index.js';
import { startServer } from '../../helpers/server.js';
import { raw, serveFetch, eventually, sleep } from './helpers.js';

interface Seen {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  setCookies: string[];
  isRequest: boolean;
  hasBody: boolean;
  info: Omit<FetchInfo, 'waitUntil' | 'passThroughOnException'>;
}

const recorder = (): { seen: Seen[]; handler: (req: Request, info: FetchInfo) => Response } => {
  const seen: Seen[] = [];
  return {
    seen,
    handler: (req, info) => {
      const { waitUntil, passThroughOnException, ...rest } = info;
      void waitUntil;
      void passThroughOnException;
      seen.push({
        url: req.url,
        method: req.method,
        headers: [...req.headers],
        setCookies: req.headers.getSetCookie(),
        isRequest: req instanceof Request,
        hasBody: req.body !== null,
        info: rest,
      });
      return new Response('ok');
    },
  };
};

test('the URL is absolute: scheme, Host and target; with stripPrefix: false the mount prefix stays in it and is given in info', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler, { stripPrefix: false });
  await raw(port, 'GET', '/f/a/b%20c?x=1&y=%2F');
  t.is(seen[0]!.url, 'http://example.test/f/a/b%20c?x=1&y=%2F');
  t.true(seen[0]!.isRequest);
  t.is(seen[0]!.info.scriptName, '/f');
  t.false(seen[0]!.info.prefixStripped);
  t.is(new Map(seen[0]!.headers).get('x-forwarded-prefix'), undefined);
  t.is(seen[0]!.info.secure, false);
  t.is(seen[0]!.info.remoteAddress, '127.0.0.1');
  t.is(seen[0]!.info.localAddress, '127.0.0.1');
  t.is(seen[0]!.info.localPort, port);
  t.true(seen[0]!.info.remotePort > 0 && seen[0]!.info.remotePort !== port);
});

test('a Host with a port, an absolute-form target, and HTTP/1.0 without Host', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler, { stripPrefix: false });
  await raw(port, 'GET', '/f/p', { version: '1.0', lines: ['Host: example.test:8443'] });
  await raw(port, 'GET', 'http://other.test:81/f/abs?q', { lines: [] });
  await raw(port, 'GET', '/f/old', { version: '1.0' });
  t.is(seen[0]!.url, 'http://example.test:8443/f/p');
  t.is(seen[1]!.url, 'http://other.test:81/f/abs?q', 'RFC 9112 §3.2.2: the absolute target wins over Host');
  t.is(seen[2]!.url, `http://127.0.0.1:${port}/f/old`, 'no Host: the server address stands in');
});

test('by default the mount prefix is left out of the URL and sent as X-Forwarded-Prefix (a client\'s own is replaced)', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler);
  await raw(port, 'GET', '/f/a/b?x=1', { lines: ['X-Forwarded-Prefix: /spoofed'] });
  await raw(port, 'GET', '/f');
  await raw(port, 'GET', 'http://abs.test/f/z');
  await raw(port, 'GET', '/f/p', { version: '1.0', lines: ['Host: example.test:8443'] });
  t.deepEqual(seen.map((s) => s.url), ['http://example.test/a/b?x=1', 'http://example.test/', 'http://abs.test/z', 'http://example.test:8443/p']);
  t.is(seen[0]!.info.scriptName, '/f');
  t.true(seen[0]!.info.prefixStripped);
  t.is(new Map(seen[0]!.headers).get('x-forwarded-prefix'), '/f');
  t.is(new Map(seen[1]!.headers).get('x-forwarded-prefix'), '/f');
});

test('repeated fields are combined (Cookie with "; "), repeated Set-Cookie stays apart', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler);
  await raw(port, 'GET', '/f', { lines: ['X-Multi: one', 'Cookie: a=1', 'X-Multi: two', 'Cookie: b=2', 'User-Agent: raw'] });
  await raw(port, 'GET', '/f', { lines: ['Set-Cookie: s=1', 'Set-Cookie: t=2', 'X-Other: y'] });
  const h = new Map(seen[0]!.headers);
  t.is(h.get('x-multi'), 'one, two');
  t.is(h.get('cookie'), 'a=1; b=2');
  t.is(h.get('user-agent'), 'raw');
  t.is(h.get('host'), 'example.test');
  t.deepEqual(seen[1]!.setCookies, ['s=1', 't=2']);
  t.is(new Map(seen[1]!.headers).get('x-other'), 'y');
});

test('methods: standard, extension, and the ones Request forbids (TRACE) are reported as sent', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler);
  for (const m of ['GET', 'DELETE', 'PATCH', 'PURGE', 'TRACE']) await raw(port, m, '/f');
  t.deepEqual(seen.map((s) => s.method), ['GET', 'DELETE', 'PATCH', 'PURGE', 'TRACE']);
  t.true(seen.every((s) => !s.hasBody));
});

test('GET and HEAD have no body even when one is sent; POST without one has none', async (t) => {
  const { seen, handler } = recorder();
  const { port } = await serveFetch(t, handler);
  await raw(port, 'GET', '/f', { lines: ['Content-Length: 3'], body: 'abc' });
  await raw(port, 'POST', '/f', { lines: ['Content-Length: 0'] });
  t.false(seen[0]!.hasBody);
  t.false(seen[1]!.hasBody);
});

test('a POST body streams through request.body (Content-Length and chunked), text() and json() work', async (t) => {
  const { url } = await serveFetch(t, async (req) => {
    if (req.headers.get('content-type') === 'application/json') return Response.json({ got: await req.json() });
    const parts: string[] = [];
    for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) parts.push(Buffer.from(chunk).toString());
    return new Response(parts.join('|'));
  });
  const json = await request(`${url}/f`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
  t.deepEqual(await json.body.json(), { got: { a: 1 } });
  async function* gen(): AsyncGenerator<string> {
    yield 'one';
    await sleep(20);
    yield 'two';
  }
  const { Readable } = await import('node:stream');
  const chunked = await request(`${url}/f`, { method: 'PUT', body: Readable.from(gen()) });
  t.is((await chunked.body.text()).replace(/\|/g, ''), 'onetwo');
});

test('a handler that never reads the body does not trigger 100 Continue', async (t) => {
  const { port } = await serveFetch(t, () => new Response('no thanks', { status: 413 }));
  const r = await raw(port, 'POST', '/f', { lines: ['Content-Length: 10', 'Expect: 100-continue'] });
  t.is(r.responses.length, 1);
  t.is(r.responses[0]!.status, 413);
});

test('a handler that reads the body gets it after 100 Continue', async (t) => {
  const { port } = await serveFetch(t, async (req) => new Response(`got ${await req.text()}`));
  const socket = net.connect(port, '127.0.0.1');
  socket.write('POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
    if (text.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !text.includes('200')) socket.write('hello');
  });
  await eventually(() => text.includes('got hello'));
  socket.destroy();
  t.regex(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
});

// A client that resets the connection. (One that only half-closes, FIN after its
// request, is still answered: Portico reads that as RFC 9112 §9.6 half-close.)
test('request.signal aborts when the client disconnects before the response is complete', async (t) => {
  let aborted = false;
  let started = false;
  const { port } = await serveFetch(t, (req) => {
    started = true;
    return new Promise<Response>((resolve) => {
      req.signal.addEventListener('abort', () => {
        aborted = true;
        resolve(new Response('too late'));
      });
    });
  });
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n');
  await eventually(() => started);
  socket.resetAndDestroy();
  await eventually(() => aborted);
  t.pass();
});

test('request.signal does not abort after a completed response', async (t) => {
  let signal: AbortSignal | null = null;
  const { url } = await serveFetch(t, (req) => {
    signal = req.signal;
    return new Response('done');
  });
  const res = await request(`${url}/f`);
  await res.body.text();
  await sleep(50);
  t.false(signal!.aborted);
});

test('the Request can be cloned and passed to new Request()', async (t) => {
  const { url } = await serveFetch(t, async (req) => {
    const clone = req.clone();
    const copy = new Request(req, { headers: { 'x-copied': '1' } });
    return Response.json({ url: copy.url, method: copy.method, copied: copy.headers.get('x-copied'), body: await clone.text() });
  });
  const res = await request(`${url}/f/c?z=1`, { method: 'POST', body: 'payload' });
  t.deepEqual(await res.body.json(), { url: `${url}/c?z=1`, method: 'POST', copied: '1', body: 'payload' });
});

test('a URL that cannot be parsed is a 400', async (t) => {
  let called = false;
  const { port } = await serveFetch(t, () => ((called = true), new Response('x')));
  const r = await raw(port, 'GET', '/f', { version: '1.0', lines: ['Host: bad%zzhost'] });
  t.is(r.responses[0]!.status, 400);
  t.false(called);
});

test('info.waitUntil keeps graceful shutdown waiting; the ctx argument has it too', async (t) => {
  let release: () => void = () => {};
  let finished = false;
  const { server, url } = await startServer(t, {
    mounts: {
      '/f': fetchApp((_req, info, ctx) => {
        t.is(ctx, info);
        info.waitUntil(new Promise<void>((resolve) => (release = resolve)).then(() => (finished = true)));
        return new Response('answered first');
      }),
    },
  });
  const res = await request(`${url}/f`);
  t.is(await res.body.text(), 'answered first');
  let closed = false;
  const closing = server.close().then(() => (closed = true));
  await sleep(200);
  t.false(closed, 'close() waits for the waitUntil promise');
  release();
  await closing;
  t.true(finished);
});

test('a handler that cancels request.body part-way gets to answer; the rest is never buffered', async (t) => {
  let firstChunk = 0;
  const { url } = await serveFetch(t, async (req) => {
    const reader = req.body!.getReader();
    firstChunk = (await reader.read()).value?.byteLength ?? 0;
    await reader.cancel();
    return new Response('stopped reading');
  });
  async function* big(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 64; i++) yield Buffer.alloc(256 * 1024, 1);
  }
  const { Readable } = await import('node:stream');
  const res: Awaited<ReturnType<typeof request>> | Error = await request(`${url}/f`, { method: 'POST', body: Readable.from(big()) }).catch((err: Error) => err);
  if (res instanceof Error) {
    // The server may close the connection before the client finished sending; the answer came first.
    t.regex(String(res), /closed|reset|socket|other side/i);
  } else {
    t.is(res.statusCode, 200);
    t.is(await res.body.text(), 'stopped reading');
  }
  t.true(firstChunk > 0);
});

test('a handler that cancels request.body before reading it still answers', async (t) => {
  const { url } = await serveFetch(t, async (req) => {
    await req.body!.cancel();
    return new Response('never read');
  });
  const res = await request(`${url}/f`, { method: 'POST', body: 'small body' });
  t.is(await res.body.text(), 'never read');
});
