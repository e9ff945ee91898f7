// The response side of the fetch adapter (write-response.ts, body-pump.ts,
// response-source.ts): every body kind a Response can hold, with the framing
// each gets on the wire, status text, Set-Cookie, HEAD, HTTP/1.0, and the
// failures that become 500s logged with the mount.

import test from 'ava';
import net from 'node:net';
import { request } from 'undici';
import { header } from '../../helpers/response-reader.js';
import { raw, serveFetch, eventually, sleep } from './helpers.js';
import { canSeeResponseBodies } from '../../../adapters/fetch/response-source.js';

const delayedStream = (parts: string[], ms = 5): ReadableStream<Uint8Array> => {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await sleep(ms);
      if (i < parts.length) controller.enqueue(new TextEncoder().encode(parts[i++]));
      else controller.close();
    },
  });
};

interface BodyCase {
  title: string;
  make(): Response;
  body: Buffer;
  framing: 'length' | 'chunked';
  contentType?: RegExp;
}

const formData = (): FormData => {
  const fd = new FormData();
  fd.set('field', 'value');
  fd.set('file', new Blob(['file contents'], { type: 'text/plain' }), 'a.txt');
  return fd;
};

const CASES: BodyCase[] = [
  { title: 'null', make: () => new Response(null), body: Buffer.alloc(0), framing: 'length' },
  { title: 'a string (UTF-8)', make: () => new Response('héllo €'), body: Buffer.from('héllo €'), framing: 'length', contentType: /^text\/plain;charset=UTF-8$/ },
  { title: 'a Uint8Array', make: () => new Response(new Uint8Array([0, 1, 2, 255])), body: Buffer.from([0, 1, 2, 255]), framing: 'length' },
  { title: 'an ArrayBuffer', make: () => new Response(new Uint8Array([9, 8, 7]).buffer), body: Buffer.from([9, 8, 7]), framing: 'length' },
  { title: 'a Buffer view into a larger buffer', make: () => new Response(Buffer.from('xxhelloxx').subarray(2, 7)), body: Buffer.from('hello'), framing: 'length' },
  { title: 'a Blob', make: () => new Response(new Blob(['blob ', 'parts'], { type: 'text/x-blob' })), body: Buffer.from('blob parts'), framing: 'length', contentType: /^text\/x-blob$/ },
  { title: 'URLSearchParams', make: () => new Response(new URLSearchParams({ a: '1', b: 'x y' })), body: Buffer.from('a=1&b=x+y'), framing: 'length', contentType: /^application\/x-www-form-urlencoded;charset=UTF-8$/ },
  { title: 'a ReadableStream of several delayed chunks', make: () => new Response(delayedStream(['one ', 'two ', 'three'])), body: Buffer.from('one two three'), framing: 'chunked' },
  {
    title: 'a ReadableStream that ends right after its one chunk',
    make: () => new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('all at once')), c.close()) })),
    body: Buffer.from('all at once'),
    framing: 'length',
  },
  { title: 'an empty ReadableStream', make: () => new Response(new ReadableStream({ start: (c) => c.close() })), body: Buffer.alloc(0), framing: 'length' },
  { title: 'Response.json()', make: () => Response.json({ a: [1, 'é'] }), body: Buffer.from('{"a":[1,"é"]}'), framing: 'length', contentType: /^application\/json$/ },
  {
    title: 'the original of a clone()d Response',
    make: () => {
      const r = new Response('cloned');
      void r.clone().text();
      return r;
    },
    body: Buffer.from('cloned'),
    framing: 'length',
  },
];

for (const c of CASES) {
  test(`body kind: ${c.title}`, async (t) => {
    const { port, errors } = await serveFetch(t, () => c.make());
    const r = await raw(port, 'GET', '/f/x');
    const res = r.responses[0]!;
    t.is(res.status, 200);
    t.deepEqual(res.body, c.body);
    t.is(res.framing, c.framing);
    if (c.framing === 'length') t.is(header(res, 'content-length'), String(c.body.length));
    if (c.contentType) t.regex(header(res, 'content-type') ?? '', c.contentType);
    t.false(r.closed, 'the connection stays open');
    t.deepEqual(errors, []);
  });
}

test('body kind: FormData goes out with its Content-Length and parses back', async (t) => {
  const { url, errors } = await serveFetch(t, () => new Response(formData()));
  const res = await request(`${url}/f/form`);
  t.is(res.statusCode, 200);
  const type = res.headers['content-type'] as string;
  t.regex(type, /^multipart\/form-data; boundary=/);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  if (canSeeResponseBodies) t.is(res.headers['content-length'], String(bytes.length));
  const parsed = await new Response(bytes, { headers: { 'content-type': type } }).formData();
  t.is(parsed.get('field'), 'value');
  const file = parsed.get('file') as File;
  t.is(file.name, 'a.txt');
  t.is(await file.text(), 'file contents');
  t.deepEqual(errors, []);
});

test('a Content-Length the handler sets itself frames a stream', async (t) => {
  const { port } = await serveFetch(t, () => new Response(delayedStream(['abc', 'def']), { headers: { 'content-length': '6' } }));
  const r = await raw(port, 'GET', '/f');
  t.is(r.responses[0]!.framing, 'length');
  t.is(r.responses[0]!.body.toString(), 'abcdef');
});

test('status, a non-standard status text as the reason phrase, and the standard one otherwise', async (t) => {
  const { port } = await serveFetch(t, (req) =>
    new URL(req.url).pathname.endsWith('custom')
      ? new Response('x', { status: 299, statusText: 'Quite Fine' })
      : new Response('y', { status: 201, statusText: '' }),
  );
  const custom = await raw(port, 'GET', '/f/custom');
  t.is(custom.responses[0]!.status, 299);
  t.is(custom.responses[0]!.reason, 'Quite Fine');
  const standard = await raw(port, 'GET', '/f/standard');
  t.is(standard.responses[0]!.status, 201);
  t.is(standard.responses[0]!.reason, 'Created');
});

test('several Set-Cookie fields stay separate lines; other fields pass through', async (t) => {
  const { port } = await serveFetch(t, () => {
    const headers = new Headers({ 'x-one': '1' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2, c; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
    headers.append('x-list', 'p');
    headers.append('x-list', 'q');
    return new Response('ok', { headers });
  });
  const res = (await raw(port, 'GET', '/f')).responses[0]!;
  t.deepEqual(
    res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v),
    ['a=1; Path=/', 'b=2, c; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
  );
  t.is(header(res, 'x-one'), '1');
  t.is(header(res, 'x-list'), 'p, q');
});

test('Response.redirect() and 204/304 answers', async (t) => {
  const { port } = await serveFetch(t, (req) => {
    const path = new URL(req.url).pathname;
    if (path === '/redirect') return Response.redirect('http://elsewhere.test/there', 307);
    if (path === '/204') return new Response(null, { status: 204 });
    return new Response(null, { status: 304, headers: { etag: '"x"' } });
  });
  const redirect = (await raw(port, 'GET', '/f/redirect')).responses[0]!;
  t.is(redirect.status, 307);
  t.is(header(redirect, 'location'), 'http://elsewhere.test/there');
  const noContent = await raw(port, 'GET', '/f/204');
  t.is(noContent.responses[0]!.status, 204);
  t.is(header(noContent.responses[0]!, 'content-length'), undefined);
  const notModified = await raw(port, 'GET', '/f/304');
  t.is(notModified.responses[0]!.status, 304);
  t.is(header(notModified.responses[0]!, 'etag'), '"x"');
  t.is(notModified.rest.length, 0);
});

test('HEAD: the fields GET would get, no body', async (t) => {
  const { port } = await serveFetch(t, () => new Response('twelve bytes', { headers: { 'content-type': 'text/plain' } }));
  const r = await raw(port, 'HEAD', '/f');
  const res = r.responses[0]!;
  t.is(res.status, 200);
  t.is(header(res, 'content-length'), '12');
  t.is(res.body.length, 0);
  t.is(r.rest.length, 0, 'no body bytes follow the head');
  t.false(r.closed);
});

test('HEAD does not drain a large body stream: it is cancelled, and GET length stays unclaimed', async (t) => {
  let pulled = 0;
  let cancelled = false;
  const { port } = await serveFetch(t, () =>
    new Response(
      new ReadableStream({
        pull(c) {
          pulled += 65536;
          c.enqueue(new Uint8Array(65536));
          if (pulled >= 1024 * 1024 * 1024) c.close();
        },
        cancel() {
          cancelled = true;
        },
      }),
    ),
  );
  const r = await raw(port, 'HEAD', '/f');
  t.is(r.responses[0]!.status, 200);
  t.is(r.rest.length, 0);
  t.is(header(r.responses[0]!, 'content-length'), undefined, 'a length nobody knows is not claimed');
  await eventually(() => cancelled);
  t.true(pulled <= 4 * 65536, `only what the stream queued on its own was pulled (${pulled} bytes)`);
  // The connection is still usable.
  const again = await raw(port, 'HEAD', '/f');
  t.is(again.responses[0]!.status, 200);
});

test('HEAD answered by a handler with a null body claims no Content-Length: 0', async (t) => {
  const { port } = await serveFetch(t, (req) => new Response(req.method === 'HEAD' ? null : 'body', { headers: { 'content-type': 'text/plain' } }));
  const res = (await raw(port, 'HEAD', '/f')).responses[0]!;
  t.is(res.status, 200);
  t.not(header(res, 'content-length'), '0');
});

test('HTTP/1.0: a stream goes out delimited by the close, each chunk as it comes', async (t) => {
  const { port } = await serveFetch(t, () => new Response(delayedStream(['alpha ', 'beta ', 'gamma'], 20)));
  const r = await raw(port, 'GET', '/f', { version: '1.0' });
  const res = r.responses[0]!;
  t.is(res.status, 200);
  t.is(res.framing, 'close');
  t.is(header(res, 'transfer-encoding'), undefined);
  t.is(res.body.toString(), 'alpha beta gamma');
  t.true(r.closed);
});

test('HTTP/1.0: a complete body keeps Content-Length', async (t) => {
  const { port } = await serveFetch(t, () => new Response('whole'));
  const r = await raw(port, 'GET', '/f', { version: '1.0' });
  t.is(r.responses[0]!.framing, 'length');
  t.is(r.responses[0]!.body.toString(), 'whole');
});

const FAILURES: Array<{ title: string; handler: () => unknown; code?: string }> = [
  { title: 'throws', handler: () => { throw new Error('boom'); } },
  { title: 'rejects', handler: () => Promise.reject(new Error('async boom')) },
  { title: 'returns a string', handler: () => 'not a response', code: 'ERR_NOT_A_RESPONSE' },
  { title: 'returns undefined', handler: () => undefined, code: 'ERR_NOT_A_RESPONSE' },
  { title: 'resolves to a plain object', handler: async () => ({ status: 200, body: 'x' }), code: 'ERR_NOT_A_RESPONSE' },
  { title: 'returns Response.error()', handler: () => Response.error(), code: 'ERR_ERROR_RESPONSE' },
  {
    title: 'returns a Response whose body was read',
    handler: async () => {
      const r = new Response('used');
      await r.text();
      return r;
    },
    code: 'ERR_RESPONSE_BODY_USED',
  },
  {
    title: 'returns a stream that fails before its first chunk',
    handler: () => new Response(new ReadableStream({ pull: (c) => c.error(new Error('stream boom')) })),
  },
  {
    title: 'returns a stream that yields a string',
    handler: () => new Response(new ReadableStream({ start: (c) => (c.enqueue('text' as unknown as Uint8Array), c.close()) })),
    code: 'ERR_BAD_BODY_CHUNK',
  },
];

for (const f of FAILURES) {
  test(`a handler that ${f.title} gets a 500 and a log line naming the mount; the server goes on`, async (t) => {
    const { port, errors } = await serveFetch(t, f.handler as () => Response);
    const r = await raw(port, 'GET', '/f/fail', { lines: ['Accept: text/plain'] });
    t.is(r.responses[0]!.status, 500);
    t.false(r.closed, 'the connection stays usable');
    t.is(errors.length, 1);
    t.regex(errors[0]!, /app failed/);
    t.regex(errors[0]!, /"mount":"\/f"/);
    if (f.code) t.true(errors[0]!.includes('FetchAdapterError'), errors[0]);
  });
}

test('a stream that fails after the head went out cuts the connection (a truncated response)', async (t) => {
  const { port, errors } = await serveFetch(t, () => {
    let n = 0;
    return new Response(
      new ReadableStream({
        async pull(c) {
          await sleep(5);
          if (n++ < 2) c.enqueue(new TextEncoder().encode('part;'));
          else c.error(new Error('mid-stream failure'));
        },
      }),
    );
  });
  const r = await raw(port, 'GET', '/f');
  t.true(r.closed);
  t.true(r.bytes.toString('latin1').includes('part;'));
  t.false(r.bytes.toString('latin1').includes('0\r\n\r\n'), 'no last chunk: the client sees the truncation');
  t.is(errors.length, 1);
  t.regex(errors[0]!, /"mount":"\/f"/);
});

const connectAndLeave = async (port: number, leave: (socket: net.Socket) => void): Promise<void> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  leave(socket);
};

test('a client that resets the connection cancels the response stream, even while a read is pending', async (t) => {
  let cancelled = false;
  const { port } = await serveFetch(t, () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('first'));
        },
        pull: () => new Promise(() => {}), // never produces more
        cancel() {
          cancelled = true;
        },
      }),
    ),
  );
  await connectAndLeave(port, (socket) => socket.resetAndDestroy());
  await eventually(() => cancelled);
  t.pass();
});

test('a client that closes mid-stream cancels the stream at the next write; pulls stop', async (t) => {
  let cancelled = false;
  let pulls = 0;
  const { port } = await serveFetch(t, () =>
    new Response(
      new ReadableStream({
        async pull(c) {
          pulls++;
          await sleep(10);
          c.enqueue(new TextEncoder().encode('tick\n'));
        },
        cancel() {
          cancelled = true;
        },
      }),
    ),
  );
  await connectAndLeave(port, (socket) => socket.destroy());
  await eventually(() => cancelled);
  const after = pulls;
  await sleep(200);
  t.true(pulls <= after + 1, 'no more pulls once cancelled');
});
