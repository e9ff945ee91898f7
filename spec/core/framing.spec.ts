// Framing decisions (core/framing.ts), table-driven: the request body framing
// of RFC 9112 §6, keep-alive by version and Connection, and decideResponse():
// a response's framing, its framing and connection fields, and whether the
// connection persists, from one input record; then what follows the response.

import test from 'ava';
import { HttpError } from '../../core/index.js';
import {
  type ResponseFramingInput,
  afterResponse,
  decideResponse,
  hasToken,
  requestFraming,
  requestWantsKeepAlive,
  statusHasNoBody,
  unreadBody,
} from '../../core/framing.js';

const framingOf = (version: number, te: string | undefined, cl: string | undefined, clLines = cl === undefined ? 0 : 1): string => {
  try {
    const f = requestFraming(version, te, cl, clLines, 1000);
    return `${f.kind}:${f.length}`;
  } catch (err) {
    return `${(err as HttpError).status} ${(err as HttpError).code}`;
  }
};

test('request framing (RFC 9112 §6.3)', (t) => {
  const cases: Array<[number, string | undefined, string | undefined, number | undefined, string]> = [
    [1, undefined, undefined, undefined, 'none:0'],
    [1, undefined, '0', undefined, 'none:0'],
    [1, undefined, '10', undefined, 'length:10'],
    [0, undefined, '10', undefined, 'length:10'],
    [1, undefined, '1000', undefined, 'length:1000'],
    [1, undefined, '1001', undefined, '413 ERR_BODY_TOO_LARGE'],
    [1, undefined, '9'.repeat(30), undefined, '413 ERR_BODY_TOO_LARGE'],
    [1, undefined, '10', 2, '400 ERR_BAD_CONTENT_LENGTH'],
    [1, undefined, '', undefined, '400 ERR_BAD_CONTENT_LENGTH'],
    [1, undefined, '1,1', undefined, '400 ERR_BAD_CONTENT_LENGTH'],
    [1, undefined, '-1', undefined, '400 ERR_BAD_CONTENT_LENGTH'],
    [1, 'chunked', undefined, undefined, 'chunked:-1'],
    [1, 'CHUNKED', undefined, undefined, 'chunked:-1'],
    [1, ' , chunked', undefined, undefined, 'chunked:-1'],
    [1, 'chunked', '5', undefined, '400 ERR_TE_AND_CONTENT_LENGTH'],
    [0, 'chunked', undefined, undefined, '400 ERR_BAD_TRANSFER_ENCODING'],
    [1, 'gzip', undefined, undefined, '400 ERR_BAD_TRANSFER_ENCODING'],
    [1, 'chunked, gzip', undefined, undefined, '400 ERR_BAD_TRANSFER_ENCODING'],
    [1, 'chunked, chunked', undefined, undefined, '400 ERR_BAD_TRANSFER_ENCODING'],
    [1, 'gzip, chunked', undefined, undefined, '501 ERR_UNSUPPORTED_TRANSFER_CODING'],
    [1, 'deflate, gzip, chunked', undefined, undefined, '501 ERR_UNSUPPORTED_TRANSFER_CODING'],
    [1, '', undefined, undefined, '400 ERR_BAD_TRANSFER_ENCODING'],
  ];
  for (const [v, te, cl, lines, expected] of cases) {
    t.is(framingOf(v, te, cl, lines), expected, JSON.stringify([v, te, cl, lines]));
  }
});

test('keep-alive by version and Connection (RFC 9112 §9.3)', (t) => {
  t.true(requestWantsKeepAlive(1, undefined));
  t.false(requestWantsKeepAlive(1, 'close'));
  t.false(requestWantsKeepAlive(1, 'Upgrade, CLOSE'));
  t.true(requestWantsKeepAlive(1, 'closed'));
  t.false(requestWantsKeepAlive(0, undefined));
  t.true(requestWantsKeepAlive(0, 'Keep-Alive'));
  t.true(requestWantsKeepAlive(0, 'foo, keep-alive'));
  t.true(hasToken('a, b ,c', 'b'));
  t.false(hasToken(undefined, 'b'));
  t.false(hasToken('abc', 'b'));
});

/** A GET over HTTP/1.1 answered 200 with end('hello'), on a connection that may persist. */
const BASE: ResponseFramingInput = {
  versionMinor: 1,
  isHead: false,
  requestConnection: undefined,
  status: 200,
  declaredLength: -1,
  content: 5,
  lengthUnknown: false,
  wantsChunked: false,
  closeDelimited: false,
  appClose: false,
  keepAlive: undefined,
  requests: 1,
  maxRequests: 0,
  closing: false,
  unreadBody: 'none',
};

/** "body:length | fields (CRLFs as ;) | close or keep". */
const decided = (change: Partial<ResponseFramingInput>): string => {
  const d = decideResponse({ ...BASE, ...change });
  return `${d.body}:${d.length} | ${d.fields.replaceAll('\r\n', ';')} | ${d.close ? 'close' : 'keep'}`;
};

test('decideResponse: the framing (RFC 9112 §6.3, §7.1; RFC 9110 §6.4.1, §8.6, §9.3.2)', (t) => {
  const cases: Array<[string, Partial<ResponseFramingInput>, string]> = [
    ['a body given whole: its length', {}, 'length:5 | Content-Length: 5; | keep'],
    ['a bare end(): length 0', { content: 'none' }, 'length:0 | Content-Length: 0; | keep'],
    ['a declared length wins over the body given', { declaredLength: 7 }, 'length:7 | Content-Length: 7; | keep'],
    ['a declared length frames a body in parts', { declaredLength: 7, content: 'parts' }, 'length:7 | Content-Length: 7; | keep'],
    ['parts, HTTP/1.1: chunked', { content: 'parts' }, 'chunked:-1 | Transfer-Encoding: chunked; | keep'],
    ["length 'unknown': chunked although given whole", { lengthUnknown: true }, 'chunked:-1 | Transfer-Encoding: chunked; | keep'],
    ["length 'unknown' yields to a declared length", { lengthUnknown: true, declaredLength: 5 }, 'length:5 | Content-Length: 5; | keep'],
    ['the app asks for chunked (Transfer-Encoding, Trailer)', { wantsChunked: true }, 'chunked:-1 | Transfer-Encoding: chunked; | keep'],
    ['... even with a declared length', { wantsChunked: true, declaredLength: 5 }, 'chunked:-1 | Transfer-Encoding: chunked; | keep'],
    ['... which an HTTP/1.0 client cannot read: the length', { wantsChunked: true, versionMinor: 0, requestConnection: 'keep-alive' }, 'length:5 | Content-Length: 5;Connection: keep-alive; | keep'],
    ['parts, HTTP/1.0: close-delimited', { content: 'parts', versionMinor: 0, requestConnection: 'keep-alive' }, 'close:-1 | Connection: close; | close'],
    ["framing 'close' from HTTP/1.1", { content: 'parts', closeDelimited: true }, 'close:-1 | Connection: close; | close'],
    ["framing 'close' with a known length: the length", { closeDelimited: true }, 'length:5 | Content-Length: 5; | keep'],
    ['204: no body, no length', { status: 204, declaredLength: 5 }, 'none:-1 |  | keep'],
    ['1xx: no body', { status: 103, content: 'none' }, 'none:-1 |  | keep'],
    ['304 keeps the length a 200 would have', { status: 304, declaredLength: 5, content: 'parts' }, 'none:-1 | Content-Length: 5; | keep'],
    ['304 without one says none', { status: 304, content: 'parts' }, 'none:-1 |  | keep'],
    ['HEAD, whole: the length GET would get', { isHead: true }, 'none:-1 | Content-Length: 5; | keep'],
    ['HEAD, declared', { isHead: true, declaredLength: 42, content: 'none' }, 'none:-1 | Content-Length: 42; | keep'],
    ['HEAD, parts: chunked as GET would be', { isHead: true, content: 'parts' }, 'none:-1 | Transfer-Encoding: chunked; | keep'],
    ["HEAD, length 'unknown' with end(): chunked", { isHead: true, content: 'none', lengthUnknown: true }, 'none:-1 | Transfer-Encoding: chunked; | keep'],
    ['HEAD, a bare end(): nothing said of the length', { isHead: true, content: 'none' }, 'none:-1 |  | keep'],
    ['HEAD, parts, HTTP/1.0: neither; no close needed', { isHead: true, content: 'parts', versionMinor: 0, requestConnection: 'keep-alive' }, 'none:-1 | Connection: keep-alive; | keep'],
    ['HEAD of a 304', { isHead: true, status: 304, declaredLength: 3 }, 'none:-1 | Content-Length: 3; | keep'],
  ];
  for (const [title, change, expected] of cases) t.is(decided(change), expected, title);
});

test('decideResponse: persistence and its announcement (RFC 9112 §9.3, §9.6)', (t) => {
  const cases: Array<[string, Partial<ResponseFramingInput>, string]> = [
    ['HTTP/1.1 persists by default and says nothing', {}, 'keep'],
    ['the client asks to close', { requestConnection: 'close' }, 'close Connection: close;'],
    ['... among other tokens, any case', { requestConnection: 'Upgrade, CLOSE' }, 'close Connection: close;'],
    ['"closed" is not "close"', { requestConnection: 'closed' }, 'keep'],
    ['HTTP/1.0 closes by default', { versionMinor: 0 }, 'close Connection: close;'],
    ['HTTP/1.0 with keep-alive persists, and is told so', { versionMinor: 0, requestConnection: 'keep-alive, Upgrade' }, 'keep Connection: keep-alive;'],
    ['the app asks to close', { appClose: true }, 'close Connection: close;'],
    ['the engine is closing (shutdown, an error page)', { closing: true }, 'close Connection: close;'],
    ['the last request the limit allows', { requests: 3, maxRequests: 3 }, 'close Connection: close;'],
    ['below the limit', { requests: 2, maxRequests: 3 }, 'keep'],
    ['no limit', { requests: 1e6, maxRequests: 0 }, 'keep'],
    ['the app reads the body: it will arrive', { unreadBody: 'reading' }, 'keep'],
    ['a small unread rest is drained later', { unreadBody: 'drainable' }, 'keep'],
    ['a large unread rest, or a client awaiting 100 Continue', { unreadBody: 'undrainable' }, 'close Connection: close;'],
    ['a close-delimited body', { content: 'parts', closeDelimited: true }, 'close Connection: close;'],
    ["keepAlive '' announces persistence", { keepAlive: '' }, 'keep Connection: keep-alive;'],
    ['keepAlive with a value adds Keep-Alive', { keepAlive: 'timeout=5' }, 'keep Connection: keep-alive;Keep-Alive: timeout=5;'],
    ['... for HTTP/1.0 too, once', { keepAlive: 'timeout=5', versionMinor: 0, requestConnection: 'keep-alive' }, 'keep Connection: keep-alive;Keep-Alive: timeout=5;'],
    ['... but a closing response says close', { keepAlive: 'timeout=5', requestConnection: 'close' }, 'close Connection: close;'],
  ];
  for (const [title, change, expected] of cases) {
    const d = decideResponse({ ...BASE, ...change });
    const fields = d.fields.replace(/^Content-Length: \d+\r\n/, '').replaceAll('\r\n', ';');
    t.is(`${d.close ? 'close' : 'keep'}${fields ? ' ' + fields : ''}`, expected, title);
  }
});

test('unreadBody and afterResponse: drain a small rest, else close (RFC 9112 §9.6)', (t) => {
  // complete, reading, remaining, awaitingContinue, maxDrainBytes
  t.is(unreadBody(true, false, 0, false, 10), 'none');
  t.is(unreadBody(false, true, 100, false, 10), 'reading');
  t.is(unreadBody(false, false, 10, false, 10), 'drainable');
  t.is(unreadBody(false, false, 11, false, 10), 'undrainable');
  t.is(unreadBody(false, false, -1, false, 10), 'drainable', 'chunked: drained up to maxDrainBytes');
  t.is(unreadBody(false, false, 1, true, 10), 'undrainable', 'a client awaiting 100 Continue sends nothing more');
  t.is(afterResponse(false, 'none'), 'next');
  t.is(afterResponse(false, 'drainable'), 'drain');
  t.is(afterResponse(false, 'undrainable'), 'close');
  t.is(afterResponse(true, 'none'), 'close');
  t.is(afterResponse(true, 'drainable'), 'close');
  for (const s of [100, 103, 204, 304]) t.true(statusHasNoBody(s));
  for (const s of [200, 205, 404, 500]) t.false(statusHasNoBody(s));
});
