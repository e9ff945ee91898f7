// Framing decisions (core/framing.ts), table-driven: the request body framing
// of RFC 9112 §6, keep-alive by version and Connection, and the response
// framing rule (length, chunked, close, none).

import test from 'ava';
import { HttpError } from '../../core/index.js';
import { hasToken, requestFraming, requestWantsKeepAlive, responseFraming, statusHasNoBody } from '../../core/framing.js';

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

test('response framing: none, length, chunked, close', (t) => {
  t.is(responseFraming(1, true, 5, false, false), 'none');
  t.is(responseFraming(1, false, 5, false, false), 'length');
  t.is(responseFraming(0, false, 0, false, false), 'length');
  t.is(responseFraming(1, false, 5, true, false), 'chunked');
  t.is(responseFraming(1, false, -1, false, false), 'chunked');
  t.is(responseFraming(1, false, -1, false, true), 'close');
  t.is(responseFraming(0, false, -1, false, false), 'close');
  t.is(responseFraming(0, false, -1, true, false), 'close');
  for (const s of [100, 103, 204, 304]) t.true(statusHasNoBody(s));
  for (const s of [200, 205, 404, 500]) t.false(statusHasNoBody(s));
});
