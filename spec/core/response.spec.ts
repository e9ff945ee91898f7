// Response framing over a real socket (core/response.ts, core/framing.ts): the
// three framings (Content-Length, chunked, close-delimited), HEAD, bodiless
// statuses, 1xx, trailers, refusal of header injection, Content-Length
// mismatches, and what an app failure before and after the head does.

import test from 'ava';
import { HttpError } from '../../core/index.js';
import type { App, Responder } from '../../gateway/index.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import { startServer } from '../helpers/server.js';
import { contains, delay, openSession } from '../helpers/fixtures-session.js';

const GET = (path = '/', extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const GET10 = (path = '/', extra = ''): string => `GET ${path} HTTP/1.0\r\n${extra}\r\n`;

/** A server whose app is `fn(res, env)`, written against the responder. */
const serveResponder = (t: Parameters<typeof startServer>[0], fn: (res: Responder, env: Parameters<App>[0]) => void | Promise<void>) =>
  startServer(t, { app: (env, res) => fn(res, env) });

test('a body complete at the first write goes out with Content-Length', async (t) => {
  const { port } = await serveResponder(t, (res) => res.end('hello'));
  const r = await exchange(port, GET());
  const res = r.responses[0]!;
  t.is(res.framing, 'length');
  t.is(header(res, 'content-length'), '5');
  t.is(header(res, 'transfer-encoding'), undefined);
  t.is(res.body.toString(), 'hello');
  t.truthy(header(res, 'date'));
  t.false(r.closed);
});

test('an empty end() is Content-Length: 0', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(201, { 'x-a': '1' });
    res.end();
  });
  const res = (await exchange(port, GET())).responses[0]!;
  t.is(res.status, 201);
  t.is(res.reason, 'Created');
  t.is(header(res, 'content-length'), '0');
  t.is(header(res, 'x-a'), '1');
});

test('a declared Content-Length frames a body written in parts', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'Content-Length': '10' });
    res.write('hello');
    setTimeout(() => res.end('world'), 20);
  });
  const r = await exchange(port, GET() + GET(), { expectResponses: 2 });
  t.is(r.responses.length, 2);
  for (const res of r.responses) {
    t.is(res.framing, 'length');
    t.is(res.body.toString(), 'helloworld');
  }
  t.false(r.closed);
});

test('HTTP/1.1 streamed writes are chunked, byte for byte', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.write('a');
    res.write('');
    res.write(Buffer.from('bc'));
    res.end();
  });
  const r = await exchange(port, GET());
  const res = r.responses[0]!;
  t.is(res.framing, 'chunked');
  t.is(header(res, 'content-length'), undefined);
  t.true(r.bytes.toString('latin1').endsWith('\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n'));
  t.false(r.closed);
});

test('a string body is sent as UTF-8 and counted in bytes', async (t) => {
  const { port } = await serveResponder(t, (res) => res.end('café ☕'));
  const res = (await exchange(port, GET())).responses[0]!;
  t.is(header(res, 'content-length'), String(Buffer.byteLength('café ☕')));
  t.is(res.body.toString('utf8'), 'café ☕');
});

test('HTTP/1.0 streamed writes are delimited by the close', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.write('a');
    res.end('b');
  });
  const r = await exchange(port, GET10('/', 'Connection: keep-alive\r\n'));
  const res = r.responses[0]!;
  t.is(res.framing, 'close');
  t.is(header(res, 'connection'), 'close');
  t.is(header(res, 'transfer-encoding'), undefined);
  t.is(res.body.toString(), 'ab');
  t.true(r.closed);
});

test("framing: 'close' asks for a close-delimited body from an HTTP/1.1 client", async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' }, { framing: 'close' });
    res.write('data: 1\n\n');
    res.end();
  });
  const r = await exchange(port, GET() + GET('/never'), { expectResponses: 1 });
  t.is(r.responses.length, 1);
  t.is(r.responses[0]!.framing, 'close');
  t.is(header(r.responses[0]!, 'connection'), 'close');
  t.is(r.responses[0]!.body.toString(), 'data: 1\n\n');
  t.true(r.closed);
});

test('Transfer-Encoding: chunked from the app forces chunked even for a complete body', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'transfer-encoding': 'chunked', 'content-length': '3' });
    res.end('abc');
  });
  const res = (await exchange(port, GET())).responses[0]!;
  t.is(res.framing, 'chunked');
  t.is(res.body.toString(), 'abc');
  t.is(header(res, 'content-length'), undefined);
});

test('HEAD gets the fields GET gets and no body; the connection stays in step', async (t) => {
  const { port } = await startServer(t, {
    app: (env, res) => {
      if (env.pathInfo === '/stream') {
        res.write('abc');
        res.end('def');
      } else res.end('hello');
    },
  });
  const r = await exchange(port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' + 'HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n' + GET(), {
    expectResponses: 3,
    headRequests: new Set([0, 1]),
  });
  t.is(r.responses.length, 3);
  const [head, headStream, get] = r.responses;
  t.is(header(head!, 'content-length'), '5');
  t.is(header(headStream!, 'transfer-encoding'), 'chunked');
  t.is(head!.body.length, 0);
  t.is(headStream!.body.length, 0);
  t.is(get!.body.toString(), 'hello');
  t.is(r.rest.length, 0);
  t.false(r.closed);
});

test('HEAD keeps a declared Content-Length and HTTP/1.0 HEAD of a stream gets neither length nor chunked', async (t) => {
  const { port } = await startServer(t, {
    app: (env, res) => {
      if (env.pathInfo === '/declared') res.writeHead(200, { 'content-length': '42' });
      res.write('x'.repeat(env.pathInfo === '/declared' ? 42 : 3));
      res.end();
    },
  });
  const declared = await exchange(port, 'HEAD /declared HTTP/1.1\r\nHost: x\r\n\r\n', { headRequests: new Set([0]) });
  t.is(header(declared.responses[0]!, 'content-length'), '42');
  t.is(declared.rest.length, 0);
  const old = await exchange(port, 'HEAD / HTTP/1.0\r\n\r\n', { headRequests: new Set([0]) });
  t.is(header(old.responses[0]!, 'content-length'), undefined);
  t.is(header(old.responses[0]!, 'transfer-encoding'), undefined);
  t.is(old.rest.length, 0);
});

for (const status of [204, 304]) {
  test(`${status} carries no body, whatever the app writes`, async (t) => {
    const { port } = await serveResponder(t, (res) => {
      res.writeHead(status, status === 304 ? { etag: '"a"', 'content-length': '5' } : {});
      res.write('ignored');
      res.end('also ignored');
    });
    const r = await exchange(port, GET() + GET(), { expectResponses: 2 });
    t.is(r.responses.length, 2);
    for (const res of r.responses) {
      t.is(res.status, status);
      t.is(res.body.length, 0);
      t.is(header(res, 'transfer-encoding'), undefined);
      // RFC 9110 §8.6: a 304 may carry the Content-Length a 200 would have; a 204 must not.
      t.is(header(res, 'content-length'), status === 304 ? '5' : undefined);
    }
    t.is(r.rest.length, 0);
  });
}

test('1xx informational responses precede the final one (HTTP/1.1 only)', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeInformational(103, { link: '</a.css>; rel=preload' });
    res.writeInformational(102);
    res.end('done');
  });
  const r = await exchange(port, GET());
  t.deepEqual(r.responses.map((x) => x.status), [103, 102, 200]);
  t.is(header(r.responses[0]!, 'link'), '</a.css>; rel=preload');
  t.is(r.responses[2]!.body.toString(), 'done');
  const old = await exchange(port, GET10());
  t.deepEqual(old.responses.map((x) => x.status), [200]);
});

test('writeInformational refuses non-1xx and 101, and comes only before the head', async (t) => {
  const codes: string[] = [];
  const { port } = await serveResponder(t, (res) => {
    for (const s of [200, 101, 99]) {
      try {
        res.writeInformational(s);
      } catch (err) {
        codes.push((err as HttpError).code);
      }
    }
    res.write('x');
    try {
      res.writeInformational(103);
    } catch (err) {
      codes.push((err as HttpError).code);
    }
    res.end();
  });
  await exchange(port, GET());
  t.deepEqual(codes, ['ERR_INVALID_STATUS', 'ERR_INVALID_STATUS', 'ERR_INVALID_STATUS', 'ERR_HEADERS_SENT']);
});

test('HTTP/1.0 with keep-alive stays open and says so; without it, it closes', async (t) => {
  const { port } = await serveResponder(t, (res, env) => res.end(env.protocol));
  const kept = await exchange(port, GET10('/', 'Connection: keep-alive\r\n') + GET10('/', 'Connection: keep-alive\r\n'), { expectResponses: 2 });
  t.is(kept.responses.length, 2);
  t.is(header(kept.responses[0]!, 'connection'), 'keep-alive');
  t.is(kept.responses[1]!.body.toString(), 'HTTP/1.0');
  t.false(kept.closed);
  const closed = await exchange(port, GET10() + GET10());
  t.is(closed.responses.length, 1);
  t.is(header(closed.responses[0]!, 'connection'), 'close');
  t.true(closed.closed);
});

test('twelve pipelined requests, with bodies, in one write are answered in order', async (t) => {
  const { port } = await startServer(t, {
    app: async (env) => ({ status: 200, body: `${env.method} ${env.pathInfo} ${(await env.body.text())}` }),
  });
  let wire = '';
  const expected: string[] = [];
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 1) {
      wire += `POST /${i} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nb${i.toString().padStart(3, '0')}`;
      expected.push(`POST /${i} b${i.toString().padStart(3, '0')}`);
    } else if (i % 3 === 2) {
      wire += `PUT /${i} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nc${i % 10}\r\n0\r\n\r\n`;
      expected.push(`PUT /${i} c${i % 10}`);
    } else {
      wire += GET(`/${i}`);
      expected.push(`GET /${i} `);
    }
  }
  const r = await exchange(port, wire, { expectResponses: 12 });
  t.deepEqual(r.responses.map((x) => x.body.toString()), expected);
  t.false(r.closed);
});

test('response trailers are sent after a chunked body', async (t) => {
  const { port } = await startServer(t, {
    app: (env, res) => {
      if (env.pathInfo === '/returned') return { status: 200, headers: { trailer: 'x-sum' }, body: 'abc', trailers: { 'x-sum': '3' } };
      res.writeHead(200, { trailer: 'x-digest' });
      res.write('ab');
      res.end('c', [['x-digest', 'sha-256=abc'], ['x-more', '1']]);
      return undefined;
    },
  });
  const r = await exchange(port, GET() + GET('/returned'), { expectResponses: 2 });
  t.is(r.responses[0]!.framing, 'chunked');
  t.deepEqual(r.responses[0]!.trailers, [['x-digest', 'sha-256=abc'], ['x-more', '1']]);
  t.is(r.responses[0]!.body.toString(), 'abc');
  t.is(r.responses[1]!.framing, 'chunked');
  t.deepEqual(r.responses[1]!.trailers, [['x-sum', '3']]);
});

test('trailers are dropped when the response is not chunked', async (t) => {
  const { port } = await serveResponder(t, (res) => res.end('abc', { 'x-sum': '3' }));
  const r = await exchange(port, GET());
  t.is(r.responses[0]!.framing, 'length');
  t.deepEqual(r.responses[0]!.trailers, []);
  t.false(r.bytes.toString('latin1').includes('x-sum'));
});

test('header injection is refused with an error to the app and never written', async (t) => {
  const attempts: Array<() => void> = [];
  const codes: string[] = [];
  const { port } = await serveResponder(t, (res) => {
    const bad: Array<Record<string, string> | Array<[string, string]>> = [
      { 'x-a': 'v\r\nInjected: 1' },
      { 'x-a': 'v\nInjected: 1' },
      { 'x-a': 'v\rInjected: 1' },
      { 'x-a': 'v\0' },
      { 'x-a\r\nInjected': 'v' },
      { 'x a': 'v' },
      { 'x:a': 'v' },
      { '': 'v' },
      [['x-a', 'v\r\n\r\n<html>']],
      { 'x-é': 'v' },
      { 'x-a': 'snowman ☃' },
    ];
    for (const headers of bad) attempts.push(() => res.writeHead(200, headers));
    attempts.push(() => res.writeHead(200, {}, { reason: 'OK\r\nInjected: 1' }));
    attempts.push(() => res.writeHead(200, { 'content-length': '1e3' }));
    attempts.push(() => res.writeHead(200, { 'x-a': [1 as unknown as string] }));
    for (const attempt of attempts) {
      try {
        attempt();
        codes.push('accepted');
      } catch (err) {
        t.true(err instanceof HttpError);
        codes.push((err as HttpError).code);
      }
    }
    res.write('body');
    let trailerCode = 'accepted';
    try {
      res.end(undefined, { 'x-t': 'a\r\nInjected: 1' });
    } catch (err) {
      trailerCode = (err as HttpError).code;
    }
    codes.push(trailerCode);
    if (!res.ended) res.abort();
  });
  const r = await exchange(port, GET());
  t.deepEqual(codes, [
    ...Array.from({ length: 11 }, () => 'ERR_INVALID_HEADER'),
    'ERR_INVALID_STATUS',
    'ERR_INVALID_HEADER',
    'ERR_INVALID_HEADER',
    'ERR_INVALID_HEADER',
  ]);
  const text = r.bytes.toString('latin1');
  t.false(text.includes('Injected'));
  t.false(text.includes('<html>'));
  t.true(r.closed); // the chunked body never ended: the client sees a truncated response
});

test('invalid status codes are refused', async (t) => {
  const codes: string[] = [];
  const { port } = await serveResponder(t, (res) => {
    for (const s of [99, 1000, 200.5, NaN]) {
      try {
        res.writeHead(s);
      } catch (err) {
        codes.push((err as HttpError).code);
      }
    }
    res.writeHead(599, {}, { reason: 'Custom Reason' });
    res.end();
  });
  const r = await exchange(port, GET());
  t.deepEqual(codes, Array.from({ length: 4 }, () => 'ERR_INVALID_STATUS'));
  t.is(r.responses[0]!.status, 599);
  t.is(r.responses[0]!.reason, 'Custom Reason');
});

test('writeHead twice, write after end and end twice are errors with codes', async (t) => {
  const codes: string[] = [];
  const { port } = await serveResponder(t, (res) => {
    res.write('a');
    for (const call of [() => res.writeHead(200), () => res.detach()]) {
      try {
        call();
      } catch (err) {
        codes.push((err as HttpError).code);
      }
    }
    res.end('b');
    for (const call of [() => res.write('c'), () => res.end()]) {
      try {
        call();
      } catch (err) {
        codes.push((err as HttpError).code);
      }
    }
  });
  const r = await exchange(port, GET());
  t.deepEqual(codes, ['ERR_HEADERS_SENT', 'ERR_HEADERS_SENT', 'ERR_WRITE_AFTER_END', 'ERR_WRITE_AFTER_END']);
  t.is(r.responses[0]!.body.toString(), 'ab');
});

test('the app may set its own Date, and an array value repeats a field', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { date: 'Thu, 01 Jan 1970 00:00:00 GMT', 'set-cookie': ['a=1', 'b=2'], 'x-n': 5 });
    res.end();
  });
  const res = (await exchange(port, GET())).responses[0]!;
  t.deepEqual(res.headers.filter(([n]) => n === 'date'), [['date', 'Thu, 01 Jan 1970 00:00:00 GMT']]);
  t.deepEqual(res.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1', 'b=2']);
  t.is(header(res, 'x-n'), '5');
});

test('Connection: close from the app closes after the response', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { Connection: 'close', 'keep-alive': 'timeout=5' });
    res.end('bye');
  });
  const r = await exchange(port, GET() + GET());
  t.is(r.responses.length, 1);
  t.is(header(r.responses[0]!, 'connection'), 'close');
  t.is(header(r.responses[0]!, 'keep-alive'), undefined);
  t.true(r.closed);
});

test('more bytes than the declared Content-Length: an error to the app and a cut connection', async (t) => {
  let code = '';
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'content-length': '5' });
    try {
      res.write('hello world');
    } catch (err) {
      code = (err as HttpError).code;
    }
  });
  const r = await exchange(port, GET() + GET());
  t.is(code, 'ERR_CONTENT_LENGTH_MISMATCH');
  t.true(r.closed);
  t.is(r.responses.length, 0); // a head promising 5 bytes and none of them: truncated
  t.false(r.bytes.toString().includes('hello'));
});

test('fewer bytes than the declared Content-Length: the connection is cut', async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'content-length': '10' });
    res.end('hello');
  });
  const r = await exchange(port, GET() + GET());
  t.true(r.closed);
  t.is(r.responses.length, 0);
  t.true(r.rest.toString().endsWith('\r\n\r\nhello'));
});

test('end(body) longer than the declared length is refused before the body is written', async (t) => {
  let code = '';
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'content-length': '2' });
    try {
      res.end('hello');
    } catch (err) {
      code = (err as HttpError).code;
    }
  });
  const r = await exchange(port, GET());
  t.is(code, 'ERR_CONTENT_LENGTH_MISMATCH');
  t.true(r.closed);
  t.false(r.bytes.toString().includes('hello'));
});

test('an app error before the head is a 500 and the connection stays usable', async (t) => {
  const { port, errors } = await startServer(t, {
    app: (env) => {
      if (env.pathInfo === '/throw') throw new Error('boom');
      if (env.pathInfo === '/reject') return Promise.reject(new Error('boom'));
      return { status: 200, body: 'fine' };
    },
  });
  const r = await exchange(port, GET('/throw') + GET('/reject') + GET('/ok'), { expectResponses: 3 });
  t.deepEqual(r.responses.map((x) => x.status), [500, 500, 200]);
  t.is(header(r.responses[0]!, 'connection'), undefined);
  t.false(r.bytes.toString().includes('boom'));
  t.false(r.closed);
  t.is(errors.length, 2);
  t.true(errors.every((e) => e.includes('"mount":"/"')));
});

test('an app error after the head cuts the connection: a truncated response, never a complete one', async (t) => {
  const { port, errors } = await startServer(t, {
    app: () => ({
      status: 200,
      body: (async function* () {
        yield 'part one;';
        await new Promise((r) => setTimeout(r, 10));
        throw new Error('late failure');
      })(),
    }),
  });
  const r = await exchange(port, GET() + GET());
  t.true(r.closed);
  t.is(r.responses.length, 0);
  t.true(r.rest.toString().includes('part one;'));
  t.false(r.rest.toString().endsWith('0\r\n\r\n'));
  t.is(errors.length, 1);
});

test('after the client left, write() returns false and end() is a no-op', async (t) => {
  let after: { write: boolean; aborted: boolean; threw: boolean } | null = null;
  let resRef: Responder | null = null;
  const { port } = await serveResponder(t, (res) => {
    resRef = res;
    res.write('first');
  });
  const s = await openSession(port);
  await s.send(GET());
  await s.waitFor(contains('first'));
  s.socket.resetAndDestroy();
  for (let i = 0; i < 200 && !resRef!.aborted; i++) await delay(10);
  const res = resRef!;
  let threw = false;
  const write = res.write('more');
  try {
    res.end('last');
  } catch {
    threw = true;
  }
  after = { write, aborted: res.aborted, threw };
  t.deepEqual(after, { write: false, aborted: true, threw: false });
  t.true(res.signal.aborted);
});

test("writeHead's length: 'unknown' chunks a body given whole, and a HEAD answer says chunked as its GET would", async (t) => {
  const { port } = await serveResponder(t, (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }, { length: 'unknown' });
    res.end('hello');
  });
  const get = (await exchange(port, GET())).responses[0]!;
  t.is(get.framing, 'chunked');
  t.is(header(get, 'content-length'), undefined);
  t.is(get.body.toString(), 'hello');
  const head = (await exchange(port, 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\n', { headRequests: new Set([0]) })).responses[0]!;
  t.is(header(head, 'transfer-encoding'), 'chunked');
  t.is(header(head, 'content-length'), undefined);
  t.is(head.body.length, 0);
});
