// RequestBody on its own (core/request-body.ts): pull and push reading, the
// high-water mark that stops socket reads, pause/resume of a sink, the end and
// failures delivered after queued data, trailers, and the byte limit of bytes().
// limit() on its own and with the engine behind it (a ServerConnection in
// memory): who answers the 413, and whether the connection is kept.

import test from 'ava';
import { HttpError, RequestBody } from '../../core/index.js';
import { emptyBody } from '../../core/request-body.js';
import { WAYS, answerAt, isHttpError, memoryConnection, type Exchange } from '../helpers/memory-connection.js';
import { header } from '../helpers/response-reader.js';

const b = (s: string): Buffer => Buffer.from(s);

test('read() hands out queued chunks, then null at the end', async (t) => {
  const body = new RequestBody(-1, 100);
  let demands = 0;
  body.onDemand = () => demands++;
  body.push(b('ab'));
  body.push(b('cd'));
  t.false(body.started);
  t.is((await body.read())!.toString(), 'ab');
  t.true(body.started);
  t.true(demands > 0);
  body.end({ x: '1' }, ['X', '1']);
  t.false(body.complete === false);
  t.is((await body.read())!.toString(), 'cd');
  t.is(await body.read(), null);
  t.deepEqual(body.trailers, { x: '1' });
  t.deepEqual(body.rawTrailers, ['X', '1']);
  t.is(body.received, 4);
});

test('a pending read() is resolved by the next push, and a second one is refused', async (t) => {
  const body = new RequestBody(5, 100);
  const pending = body.read();
  await t.throwsAsync(body.read(), { message: /pending/ });
  body.push(b('hello'));
  t.is((await pending)!.toString(), 'hello');
  body.end(null, null);
  t.is(await body.read(), null);
});

test('wantsMore turns false past the high-water mark and true once the app reads', async (t) => {
  const body = new RequestBody(-1, 4);
  t.true(body.wantsMore);
  body.push(b('abc'));
  t.true(body.wantsMore);
  body.push(b('de'));
  t.false(body.wantsMore);
  await body.read();
  t.true(body.wantsMore);
  body.end(null, null);
  t.false(body.wantsMore);
});

test('a failure is delivered after the queued data and rejects further reads', async (t) => {
  const body = new RequestBody(-1, 100);
  body.push(b('x'));
  const err = new HttpError('ERR_BODY_ABORTED', 400, 'gone');
  body.fail(err);
  // Queued data is dropped on failure: the body is no longer trustworthy.
  await t.throwsAsync(body.read(), { is: err });
  t.false(body.complete);
  body.end(null, null); // ignored after a failure
  await t.throwsAsync(body.read(), { is: err });
});

test('a waiting reader is rejected by a failure', async (t) => {
  const body = new RequestBody(10, 100);
  const pending = body.read();
  body.fail(new HttpError('ERR_BODY_TIMEOUT', 408, 'stalled'));
  const err = await t.throwsAsync(pending);
  t.is((err as HttpError).code, 'ERR_BODY_TIMEOUT');
});

test('for await and bytes() collect everything; bytes() enforces its limit', async (t) => {
  const body = new RequestBody(-1, 100);
  setImmediate(() => {
    body.push(b('hello '));
    body.push(b('world'));
    body.end(null, null);
  });
  t.is(await body.text(), 'hello world');
  const big = new RequestBody(-1, 100);
  big.push(b('0123456789'));
  big.end(null, null);
  const err = await t.throwsAsync(big.bytes(5));
  t.is((err as HttpError).code, 'ERR_BODY_TOO_LARGE');
  const one = new RequestBody(3, 100);
  one.push(b('abc'));
  one.end(null, null);
  t.is((await one.bytes()).toString(), 'abc');
});

test('flow(sink) delivers synchronously, pauses on false and resumes', (t) => {
  const body = new RequestBody(-1, 100);
  body.push(b('queued'));
  const got: string[] = [];
  let ended: unknown = 'not yet';
  let accept = true;
  body.flow({
    data: (chunk) => {
      got.push(chunk.toString());
      return accept;
    },
    end: (err) => (ended = err),
  });
  t.deepEqual(got, ['queued']);
  body.push(b('live'));
  t.deepEqual(got, ['queued', 'live']);
  accept = false;
  body.push(b('pauses'));
  body.push(b('waits'));
  t.deepEqual(got, ['queued', 'live', 'pauses']);
  t.false(body.wantsMore);
  t.throws(() => body.flow({ data: () => {}, end: () => {} }), { message: /already/ });
  body.end(null, null);
  t.is(ended, 'not yet', 'the end waits for the queued data');
  accept = true;
  body.resume();
  t.deepEqual(got, ['queued', 'live', 'pauses', 'waits']);
  t.is(ended, undefined);
});

test('pause() holds a sink until resume(); a sink sees failures; read() refuses while flowing', async (t) => {
  const body = new RequestBody(-1, 100);
  const got: string[] = [];
  let failure: unknown;
  body.flow({ data: (c) => void got.push(c.toString()), end: (err) => (failure = err) });
  body.pause();
  body.push(b('held'));
  t.deepEqual(got, []);
  body.resume();
  t.deepEqual(got, ['held']);
  await t.throwsAsync(body.read(), { message: /flowing/ });
  body.fail(new HttpError('ERR_CLIENT_GONE', 499, 'gone'));
  t.is((failure as HttpError).code, 'ERR_CLIENT_GONE');
});

test('an empty body is complete from the start', async (t) => {
  const body = emptyBody();
  t.true(body.complete);
  t.false(body.wantsMore);
  t.is(await body.read(), null);
  t.is((await body.bytes()).length, 0);
});

// ---- limit(): a lowered bound for the rest of the request ----

const TOO_LARGE = { code: 'ERR_BODY_TOO_LARGE' } as never;

test('limit() without an engine: a declared length over it throws; a body that passes it fails; raising it changes nothing', async (t) => {
  const declared = new RequestBody(10, 100);
  const err = t.throws(() => declared.limit(9), TOO_LARGE) as unknown as HttpError;
  t.is(err.status, 413);
  declared.limit(100); // only ever lowered: still 9
  t.throws(() => new RequestBody(10, 100).limit(9), TOO_LARGE);
  t.notThrows(() => new RequestBody(10, 100).limit(10), 'inclusive');

  const arriving = new RequestBody(-1, 100);
  arriving.push(b('0123'));
  arriving.limit(6);
  arriving.limit(60);
  arriving.push(b('456'));
  await t.throwsAsync(arriving.read(), TOO_LARGE);

  const already = new RequestBody(-1, 100);
  already.push(b('0123456'));
  t.notThrows(() => already.limit(6), 'not thrown while it still arrives: reading fails instead');
  await t.throwsAsync(already.text(), TOO_LARGE);

  const whole = new RequestBody(-1, 100);
  whole.push(b('0123456'));
  whole.end(null, null);
  t.throws(() => whole.limit(6), TOO_LARGE, 'it arrived whole: the caller answers');
  const within = new RequestBody(-1, 100);
  within.push(b('012345'));
  within.end(null, null);
  within.limit(6);
  t.is(await within.text(), '012345');
  t.notThrows(() => emptyBody().limit(0));
});

const CHUNKED_HEAD = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nAccept: application/json\r\n\r\n';
const GET = 'GET /next HTTP/1.1\r\nHost: x\r\n\r\n';
/** Answers as an adapter does when limit() throws: the engine's error, as a page. */
const answerError = (x: Exchange, err: HttpError): void => {
  x.res.writeHead(err.status, { 'content-type': 'text/plain' });
  x.res.end(err.code);
};
const limitThenAnswer = (max: number) => (x: Exchange): void => {
  if (x.head.target !== '/') return answerAt('next')(x);
  try {
    x.body.limit(max);
  } catch (err) {
    answerError(x, err as HttpError);
  }
};

for (const way of WAYS) {
  test(`limit() with the engine: a declared length over it throws before a byte is read; a small rest is drained and the connection kept [${way}]`, (t) => {
    const m = memoryConnection({ onRequest: limitThenAnswer(5) });
    m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', way);
    t.deepEqual(m.driver.responses().map((r) => [r.status, r.body.toString()]), [[413, 'ERR_BODY_TOO_LARGE']]);
    t.is(header(m.driver.responses()[0]!, 'connection'), undefined, 'framing.ts: a drainable rest keeps the connection');
    t.is(m.machine.state, 'draining');
    t.deepEqual(m.errors, [], 'the caller answered, not the engine');
    m.feed('0123456789' + GET, way);
    t.deepEqual(m.driver.responses().map((r) => r.status), [413, 200]);
    t.is(m.machine.state, 'idle');
  });

  test(`limit() with the engine: a declared rest past maxDrainBytes, or one behind an unsent 100 Continue, closes [${way}]`, (t) => {
    const big = memoryConnection({ limits: { maxDrainBytes: 8 }, onRequest: limitThenAnswer(5) });
    big.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', way);
    t.is(big.driver.responses()[0]!.status, 413);
    t.is(header(big.driver.responses()[0]!, 'connection'), 'close');
    t.is(big.machine.state, 'must-close');
    const waiting = memoryConnection({ onRequest: limitThenAnswer(5) });
    waiting.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n', way);
    t.deepEqual(waiting.driver.responses().map((r) => r.status), [413], 'no 100 Continue: the body is refused unsent');
    t.is(header(waiting.driver.responses()[0]!, 'connection'), 'close');
    t.is(waiting.machine.state, 'must-close');
  });

  test(`limit() with the engine: a chunked body that passes it while arriving is the engine's 413 in the app's place, then the close [${way}]`, async (t) => {
    const m = memoryConnection({ onRequest: limitThenAnswer(6) });
    m.feed(CHUNKED_HEAD + '4\r\n0123\r\n', way);
    const x = m.exchanges[0]!;
    const reading = x.body.text();
    t.is(m.machine.state, 'body');
    m.feed('3\r\n456\r\n', way);
    t.true(isHttpError(m.errors[0], 'ERR_BODY_TOO_LARGE'), 'the engine answered');
    t.deepEqual(m.driver.responses().map((r) => [r.status, r.body.toString()]), [[413, 'ERR_BODY_TOO_LARGE']]);
    t.is(m.machine.state, 'must-close');
    await t.throwsAsync(reading, TOO_LARGE);
    t.true(x.res.aborted, "the app's response was replaced");
    t.true(isHttpError(x.closedWith, 'ERR_BODY_TOO_LARGE'));
  });

  test(`limit() with the engine: a chunked body already past it, still arriving, is answered by the engine at once [${way}]`, (t) => {
    let thrown: unknown = null;
    const m = memoryConnection();
    m.feed(CHUNKED_HEAD + '7\r\n0123456\r\n', way);
    try {
      m.exchanges[0]!.body.limit(6);
    } catch (err) {
      thrown = err;
    }
    t.is(thrown, null, 'nothing for the caller to answer');
    t.deepEqual(m.driver.responses().map((r) => r.status), [413]);
    t.true(isHttpError(m.errors[0], 'ERR_BODY_TOO_LARGE'));
    t.is(m.machine.state, 'must-close');
  });

  test(`limit() with the engine: a chunked body that arrived whole over it throws; the caller's 413 keeps the connection [${way}]`, (t) => {
    const m = memoryConnection();
    m.feed(CHUNKED_HEAD + '7\r\n0123456\r\n0\r\n\r\n' + GET, way);
    const x = m.exchanges[0]!;
    t.true(x.body.complete);
    const err = t.throws(() => x.body.limit(6), TOO_LARGE) as unknown as HttpError;
    answerError(x, err);
    t.deepEqual(m.driver.responses().map((r) => r.status), [413]);
    t.is(header(m.driver.responses()[0]!, 'connection'), undefined);
    t.is(m.exchanges.length, 2, 'the pipelined request is served next');
    t.is(m.exchanges[1]!.head.target, '/next');
  });

  test(`limit() with the engine: a body within it is delivered whole, and the bound ends with the exchange [${way}]`, async (t) => {
    const m = memoryConnection({ onRequest: (x, mc) => mc.exchanges.length === 1 && limitThenAnswer(6)(x) });
    m.feed(CHUNKED_HEAD, way);
    const reading = m.exchanges[0]!.body.text();
    m.feed('6\r\n012345\r\n0\r\n\r\n', way);
    t.is(await reading, '012345');
    answerAt()(m.exchanges[0]!);
    m.feed(CHUNKED_HEAD + '8\r\n01234567\r\n0\r\n\r\n', way);
    t.true(m.exchanges[1]!.body.complete, 'the next request has the server\'s limit again');
  });
}
