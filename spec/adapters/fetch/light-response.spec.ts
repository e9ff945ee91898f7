// The light Response (light-response.ts) against Node's own, property by
// property: a table of constructions (bodies, inits, fields, invalid arguments)
// and a table of observations (status, fields, the headers guard, every body
// reader, body as a stream, clone, bodyUsed, errors, inspection, use as a body
// or an init elsewhere), each made on a fresh Response of both kinds and
// compared. Then the statics, subclasses, Hono's app.request() with either as
// the global Response, undici's and Node's fetch() sending a body stream, and
// the one documented difference (a Uint8Array body is not copied).

import test from 'ava';
import { inspect } from 'node:util';
import { fetch as undiciFetch } from 'undici';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { setCookie } from 'hono/cookie';
import { LightResponse, NodeResponse, lightResponsesWork } from '../../../adapters/fetch/light-response.js';
import { holdLightResponse, lightResponseInstalled } from '../../../adapters/fetch/response-global.js';
import type { App } from '../../../adapters/env.js';
import { startServer } from '../../helpers/server.js';
import { fetchApp } from '../../../adapters/fetch/index.js';
import { raw } from './helpers.js';

type ResponseClass = typeof Response;
const Light = LightResponse as unknown as ResponseClass;

/** What a call gave: its value, or the error it threw (class and message). */
const outcome = async (f: () => unknown): Promise<unknown> => {
  try {
    return { value: await f() };
  } catch (err) {
    return { threw: (err as Error)?.constructor?.name, message: (err as Error)?.message };
  }
};

/** The random multipart boundary of a FormData body, made the same on both sides. */
const sameBoundary = (x: unknown): unknown => JSON.parse(JSON.stringify(x ?? null).replace(/formdata-undici-\d+/g, 'formdata-undici-N'));

/** Bytes as a latin1 string (one character per byte), so that sameBoundary() applies to them too. */
const latin1 = (bytes: ArrayBuffer | Uint8Array): string => Buffer.from(bytes as Uint8Array).toString('latin1');

const bytesOf = async (stream: ReadableStream<Uint8Array> | null): Promise<string | null> => {
  if (stream === null) return null;
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return latin1(Buffer.concat(chunks));
};

// Constructions: arguments made afresh for each Response (a body may be used up).
const CONSTRUCTIONS: Record<string, () => [unknown?, unknown?]> = {
  'no arguments': () => [],
  'null': () => [null],
  'undefined body, init': () => [undefined, { status: 202 }],
  'string': () => ['Hello World!'],
  'empty string': () => [''],
  'non-ASCII string': () => ['héllo ☃ 𝄞'],
  'lone surrogate': () => ['a\ud800b'],
  'JSON text with a type': () => ['{"a":[1,2]}', { headers: { 'content-type': 'application/json' } }],
  'form text with a type': () => ['a=1&b=%C3%A9', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }],
  'Uint8Array': () => [new Uint8Array([104, 105, 0, 255])],
  'Buffer': () => [Buffer.from('buffer body')],
  'Buffer view at an offset': () => [Buffer.from('xxabcxx').subarray(2, 5)],
  'empty Uint8Array': () => [new Uint8Array(0)],
  'status and reason': () => ['made', { status: 201, statusText: 'Made It' }],
  'obs-text reason': () => ['x', { statusText: 'caf\u00e9' }],
  'status as a string': () => ['x', { status: '202' }],
  'fractional status': () => ['x', { status: 200.9 }],
  'status 204, no body': () => [null, { status: 204 }],
  'status 304, empty string': () => ['', { status: 304 }],
  'status 204 with a body': () => ['x', { status: 204 }],
  'status 199': () => ['x', { status: 199 }],
  'status 600': () => ['x', { status: 600 }],
  'status null': () => ['x', { status: null }],
  'status NaN': () => ['x', { status: NaN }],
  'reason with CR LF': () => ['x', { statusText: 'bad\r\nX: y' }],
  'reason above U+00FF': () => ['x', { statusText: 'bad \u20ac' }],
  'reason as a number': () => ['x', { statusText: 42 }],
  'init is a number': () => ['x', 5],
  'init is a string': () => ['x', 'init'],
  'init is a function': () => ['x', Object.assign(() => {}, { status: 203 })],
  'fields, several': () => ['x', { headers: { 'X-B': '2', 'x-a': '1', 'Content-Type': 'text/html' } }],
  'fields, same name twice': () => ['x', { headers: { A: '1', a: '2' } }],
  'fields, Set-Cookie twice': () => ['x', { headers: { 'set-cookie': 'a=1', 'Set-Cookie': 'b=2' } }],
  'fields, padded value': () => ['x', { headers: { x: ' \t padded \r\n' } }],
  'fields, numbers and null': () => ['x', { headers: { n: 5, z: null, u: undefined, b: true } }],
  'fields, control character': () => ['x', { headers: { x: 'a\u0001b' } }],
  'fields, LF in a value': () => ['x', { headers: { x: 'a\nb' } }],
  'fields, NUL in a value': () => ['x', { headers: { x: 'a\0b' } }],
  'fields, value above U+00FF': () => ['x', { headers: { x: 'a\u20acb' } }],
  'fields, name with a space': () => ['x', { headers: { 'bad name': '1', later: '2' } }],
  'fields, name above U+00FF': () => ['x', { headers: { 'n\u20ac': '1' } }],
  'fields, a symbol value': () => ['x', { headers: { s: Symbol('s') } }],
  'fields, a symbol key': () => ['x', { headers: { [Symbol('k')]: '1', a: '1' } }],
  'fields, non-enumerable': () => ['x', { headers: Object.defineProperty({ a: '1' }, 'hidden', { value: '2', enumerable: false }) }],
  'fields, own __proto__': () => ['x', { headers: JSON.parse('{"__proto__": "p", "c": "3"}') }],
  'fields, inherited': () => ['x', { headers: Object.assign(Object.create({ inherited: '1' }), { own: '2' }) }],
  'fields, null prototype': () => ['x', { headers: Object.assign(Object.create(null), { a: '1' }) }],
  'fields, value with toString': () => ['x', { headers: { t: { toString: () => 'from toString' } } }],
  'fields, Headers': () => ['x', { headers: new Headers([['b', '2'], ['a', '1'], ['set-cookie', 's=1'], ['set-cookie', 't=2']]) }],
  'fields, pairs': () => ['x', { headers: [['a', '1'], ['a', '2'], ['set-cookie', 'c=1']] }],
  'fields, a Map': () => ['x', { headers: new Map([['a', '1']]) }],
  'fields, null': () => ['x', { headers: null }],
  'fields, a string': () => ['x', { headers: 'a: 1' }],
  'fields, Proxy': () => ['x', { headers: new Proxy({ a: '1' }, {}) }],
  'init, Proxy': () => ['x', new Proxy({ status: 201 }, {})],
  'init, a Response': () => [null, new NodeResponse('z', { status: 203, statusText: 'From', headers: { 'x-from': 'r' } })],
  'init, a light Response': () => [null, new Light('z', { status: 203, statusText: 'From', headers: { 'x-from': 'l' } })],
  'ReadableStream': () => [new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('streamed')), c.close()) })],
  'Blob': () => [new Blob(['blob body'], { type: 'text/x-blob' })],
  'URLSearchParams': () => [new URLSearchParams({ a: '1', b: 'é' })],
  'FormData': () => {
    const form = new FormData();
    form.append('field', 'value');
    return [form];
  },
  'ArrayBuffer': () => [new Uint8Array([1, 2, 3]).buffer],
  'Uint16Array': () => [new Uint16Array([0x6968])],
  'DataView': () => [new DataView(new Uint8Array([65, 66]).buffer)],
  'SharedArrayBuffer view': () => [new Uint8Array(new SharedArrayBuffer(2))],
  'object with toString': () => [{ toString: () => 'object body' }],
  'number body': () => [42],
};

// The ones the light Response takes on itself (the others build the real one at once).
const HELD = [
  'no arguments', 'null', 'undefined body, init', 'string', 'empty string', 'non-ASCII string', 'lone surrogate',
  'JSON text with a type', 'form text with a type', 'Uint8Array', 'Buffer', 'Buffer view at an offset',
  'status and reason', 'obs-text reason', 'status 204, no body', 'init is a function', 'fields, several',
  'fields, same name twice', 'fields, Set-Cookie twice', 'fields, padded value', 'fields, numbers and null',
  'fields, control character', 'fields, non-enumerable', 'fields, null prototype', 'fields, value with toString',
  'fields, Headers', 'init, a Response', 'init, a light Response',
];

type Observation = (r: Response, R: ResponseClass) => unknown;

// Observations: each gets a fresh Response and the class it came from.
const OBSERVATIONS: Record<string, Observation> = {
  'instanceof': (r) => [r instanceof NodeResponse, r instanceof Light, r instanceof Object],
  'tag and constructor name': (r) => [Object.prototype.toString.call(r), r.constructor.name],
  'status line': (r) => [r.status, r.statusText, r.ok, r.type, r.url, r.redirected],
  'fields': (r) => [[...r.headers], r.headers.get('content-type'), r.headers.getSetCookie(), r.headers.has('a')],
  'fields mutable': (r) => {
    r.headers.set('x-later', '1');
    r.headers.append('set-cookie', 'late=1');
    r.headers.delete('x-b');
    return [...r.headers];
  },
  'headers object stays the same': async (r) => {
    const headers = r.headers;
    headers.set('x-kept', 'yes');
    const before = headers === r.headers;
    await r.arrayBuffer().catch(() => null);
    return [before, headers === r.headers, r.headers.get('x-kept')];
  },
  'fields changed, then body, then clone': (r) => {
    r.headers.set('x-changed', '1');
    void r.body;
    return [...r.clone().headers];
  },
  'text': (r) => r.text(),
  'json': (r) => r.json(),
  'arrayBuffer': async (r) => latin1(await r.arrayBuffer()),
  'bytes': async (r) => latin1(await (r as Response & { bytes(): Promise<Uint8Array> }).bytes()),
  'blob': async (r) => {
    const blob = await r.blob();
    return [blob.type, blob.size, await blob.text()];
  },
  'formData': async (r) => [...(await r.formData())].map(([k, v]) => [k, typeof v === 'string' ? v : `file ${v.name} ${v.size}`]),
  'bodyUsed around text()': async (r) => {
    const before = r.bodyUsed;
    await r.text();
    return [before, r.bodyUsed];
  },
  'body as a stream': async (r) => {
    const body = r.body;
    const kind = body === null ? null : [body instanceof ReadableStream, body.locked, body === r.body];
    const used = r.bodyUsed;
    const bytes = await bytesOf(body);
    return [kind, used, bytes, r.bodyUsed, body?.locked ?? null];
  },
  'read twice': async (r) => {
    await r.text();
    return outcome(() => r.text());
  },
  'locked by a reader': async (r) => {
    r.body?.getReader();
    return [r.bodyUsed, await outcome(() => r.text()), await outcome(() => r.clone())];
  },
  'clone': async (r) => {
    const clone = r.clone();
    return [clone instanceof NodeResponse, clone.status, clone.statusText, [...clone.headers], await clone.text(), await r.text(), clone.bodyUsed];
  },
  'clone after reading': async (r) => {
    await r.text();
    return outcome(() => r.clone());
  },
  'inspect': (r) => inspect(r),
  'inspect after reading': async (r) => {
    await r.arrayBuffer();
    return inspect(r, { depth: 0 });
  },
  'own keys': (r) => [Object.keys(r), JSON.stringify(r), Object.keys(structuredClone(r))],
  'Response.prototype methods called on it': async (r) => {
    const status = Object.getOwnPropertyDescriptor(NodeResponse.prototype, 'status')!.get!.call(r);
    return [status, await NodeResponse.prototype.text.call(r)];
  },
  'its body in a new Response': (r, R) => new R(r.body, { headers: { 'x-again': '1' } }).text(),
  'as the init of a new Response': (r, R) => {
    const copy = new R('copy', r);
    return [copy.status, copy.statusText, [...copy.headers]];
  },
  'its body in a Request': (r) => new Request('http://example.test/', { method: 'POST', body: r.body, duplex: 'half' } as RequestInit).text(),
};

const build = (R: ResponseClass, name: string): Promise<unknown> => outcome(() => new R(...(CONSTRUCTIONS[name]!() as [])));

test('the light Response works on this runtime (else it is never installed), and holds what it should', (t) => {
  t.true(lightResponsesWork);
  for (const name of HELD) t.not(LightResponse.heldBody(new Light(...(CONSTRUCTIONS[name]!() as [])) as unknown as LightResponse), undefined, name);
  t.is(LightResponse.heldBody(new Light(new Blob(['b'])) as unknown as LightResponse), undefined);
});

test("light = Node's on the wire: each held construction, served by Portico, sends the same bytes", async (t) => {
  const { port } = await startServer(t, {
    app: fetchApp((request) => {
      const url = new URL(request.url);
      const R = url.pathname === '/light' ? Light : NodeResponse;
      return new R(...(CONSTRUCTIONS[url.searchParams.get('c')!]!() as []));
    }),
  });
  const wire = async (kind: string, name: string, method: string): Promise<string> => {
    const result = await raw(port, method, `/${kind}?c=${encodeURIComponent(name)}`);
    return result.bytes.toString('latin1').replace(/^Date: .*\r\n/m, '');
  };
  const cases = HELD.flatMap((name) => ['GET', 'HEAD'].map((method) => [name, method] as const));
  const sent = await Promise.all(cases.map(async ([name, method]) => [await wire('light', name, method), await wire('node', name, method)]));
  cases.forEach(([name, method], i) => t.is(sent[i]![0], sent[i]![1], `${method} ${name}`));
});

for (const name of Object.keys(CONSTRUCTIONS)) {
  test(`light = Node's: new Response(${name})`, async (t) => {
    // Construction alone: what it gives or throws.
    const made = await Promise.all([build(NodeResponse, name), build(Light, name)]);
    if ('threw' in (made[0] as object)) return t.deepEqual(made[1], made[0], 'the same error');
    for (const [label, observe] of Object.entries(OBSERVATIONS)) {
      const [real, light] = await Promise.all(
        [NodeResponse, Light].map((R) => outcome(() => observe(new R(...(CONSTRUCTIONS[name]!() as [])), R))),
      );
      t.deepEqual(sameBoundary(light), sameBoundary(real), label);
    }
  });
}

test("light = Node's: getters of the init and of its fields run once each, in Node's order", (t) => {
  const logOf = (R: ResponseClass, status: unknown): string[] => {
    const log: string[] = [];
    const headers = {
      get b() {
        log.push('get b');
        return '2';
      },
      get a() {
        log.push('get a');
        return { toString: () => (log.push('a toString'), '1') };
      },
    };
    const init = {
      get headers() {
        log.push('get headers');
        return headers;
      },
      get status() {
        log.push('get status');
        return status;
      },
      get statusText() {
        log.push('get statusText');
        return { toString: () => (log.push('statusText toString'), 'Fine') };
      },
    };
    try {
      new R('x', init as unknown as ResponseInit);
    } catch (err) {
      log.push(`threw ${(err as Error).constructor.name}`);
    }
    return log;
  };
  for (const status of [201, { valueOf: () => 202 }, 700]) {
    t.deepEqual(logOf(Light, status), logOf(NodeResponse, status), String(status));
  }
});

test("light = Node's: Response.json, Response.redirect and Response.error (the headers guard included)", async (t) => {
  const observe = async (R: ResponseClass) => {
    const json = R.json({ a: [1] }, { status: 201, headers: { 'x-j': '1' } });
    const redirect = R.redirect('http://example.test/next', 301);
    const error = R.error();
    return [
      [json instanceof Light, json.status, [...json.headers], await json.text()],
      [redirect.status, [...redirect.headers], await outcome(() => redirect.headers.set('x', '1'))],
      [error.type, error.status, await outcome(() => error.headers.append('x', '1'))],
      await outcome(() => R.redirect('http://example.test/', 200 as 301)),
      await outcome(() => R.json(1n)),
    ];
  };
  t.deepEqual(await observe(Light), await observe(NodeResponse));
});

test("light = Node's: a subclass, and instanceof against a subclass", async (t) => {
  const observe = async (R: ResponseClass) => {
    class Mine extends R {
      mine(): string {
        return 'mine';
      }
    }
    const r = new Mine('sub', { status: 202 });
    return [r instanceof Mine, r instanceof R, new R('x') instanceof Mine, r.mine(), r.status, await r.text(), Mine.name];
  };
  t.deepEqual(await observe(Light), await observe(NodeResponse));
});

test('installed: instanceof holds both ways, the class reads as Response, and Node\'s comes back on release', (t) => {
  const release = holdLightResponse();
  const again = holdLightResponse();
  try {
    t.true(lightResponseInstalled());
    t.is(Response.name, 'Response');
    t.is(Response.length, 0);
    t.true(new NodeResponse('x') instanceof Response);
    t.true(new Response('x') instanceof NodeResponse);
    t.true(Response.json({}) instanceof Response);
    release();
    release(); // a second release by the same holder changes nothing
    t.true(lightResponseInstalled(), 'still held by the other holder');
  } finally {
    again();
  }
  t.false(lightResponseInstalled());
  t.is(globalThis.Response, NodeResponse);
});

test('a Uint8Array body is held, not copied: a change after construction shows (the one difference, documented)', async (t) => {
  const bytes = new Uint8Array([1, 2, 3]);
  const light = new Light(bytes);
  const real = new NodeResponse(bytes);
  bytes[0] = 9;
  t.deepEqual([...new Uint8Array(await real.arrayBuffer())], [1, 2, 3]);
  t.deepEqual([...new Uint8Array(await light.arrayBuffer())], [9, 2, 3]);
});

// Hono builds its Responses with the global Response: the same app, asked the same
// requests with app.request(), answers alike with either as the global.
const honoApp = (): Hono => {
  const app = new Hono();
  app.use('/mw/*', etag(), cors({ origin: 'https://example.test' }), secureHeaders());
  app.use('/wrapped/*', async (c, next) => {
    await next();
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set('x-wrapped', '1');
  });
  app.get('/text', (c) => c.text('plain'));
  app.get('/json', (c) => c.json({ ok: true }, 201));
  app.get('/html', (c) => c.html('<p>hi</p>'));
  app.get('/bytes', (c) => c.body(new Uint8Array([1, 2, 3]), 200, { 'content-type': 'application/octet-stream' }));
  app.get('/redirect', (c) => c.redirect('/text', 301));
  app.get('/cookies', (c) => {
    setCookie(c, 'a', '1');
    setCookie(c, 'b', '2');
    c.header('x-mine', 'v');
    return c.text('cookies');
  });
  app.get('/mw/etag', (c) => c.text('etagged'));
  app.get('/wrapped/x', (c) => c.json({ wrapped: true }));
  app.get('/stream', () => new Response(new ReadableStream({ start: (ctl) => (ctl.enqueue(new TextEncoder().encode('s')), ctl.close()) })));
  app.get('/throws', () => {
    throw new Error('boom');
  });
  return app;
};

const honoAnswers = async (): Promise<unknown[]> => {
  const app = honoApp();
  const out: unknown[] = [];
  for (const path of ['/text', '/json', '/html', '/bytes', '/redirect', '/cookies', '/mw/etag', '/wrapped/x', '/stream', '/throws', '/missing']) {
    for (const method of ['GET', 'HEAD']) {
      const res = await app.request(path, { method, headers: { origin: 'https://example.test' } });
      out.push([path, method, res instanceof Response, res.status, [...res.headers], await res.text()]);
    }
  }
  const etagged = await app.request('/mw/etag');
  out.push((await app.request('/mw/etag', { headers: { 'if-none-match': etagged.headers.get('etag')! } })).status);
  return out;
};

test.serial("light = Node's: a Hono app (middleware that clones, wraps and edits Responses) answers alike", async (t) => {
  const real = await honoAnswers();
  const release = holdLightResponse();
  try {
    t.true(lightResponseInstalled());
    t.deepEqual(await honoAnswers(), real);
  } finally {
    release();
  }
});

test('a light Response body stream sent by undici fetch() and by Node fetch() arrives whole', async (t) => {
  // A native echo app: the request body back, as it came.
  const echo: App = async (env) => ({ status: 200, body: await env.body.bytes() });
  const { url } = await startServer(t, { app: echo });
  for (const send of [undiciFetch as unknown as typeof fetch, fetch]) {
    for (const R of [NodeResponse, Light]) {
      const body = new R('sent as a stream ☃').body;
      const answer = await send(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
      t.is(await answer.text(), 'sent as a stream ☃');
    }
  }
});
