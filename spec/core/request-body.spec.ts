// RequestBody on its own (core/request-body.ts): pull and push reading, the
// high-water mark that stops socket reads, pause/resume of a sink, the end and
// failures delivered after queued data, trailers, and the byte limit of bytes().

import test from 'ava';
import { HttpError, RequestBody } from '../../core/index.js';
import { emptyBody } from '../../core/request-body.js';

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
