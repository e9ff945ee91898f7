// The request parser on its own: bytes in, events out. Every fixture of the
// raw-bytes table is fed whole, one byte per push, split at every byte boundary,
// followed by a second request and at seeded random splits; all must agree and
// match the fixture's verdict (the parser's HttpError code, or the message).

import test from 'ava';
import { DEFAULT_LIMITS, RequestParser } from '../../core/index.js';
import { REQUESTS } from '../fixtures/requests.js';
import { bytesOf, checkParserFixture, fixtureLimits, parsePieces } from '../helpers/fixtures.js';

REQUESTS.forEach((fixture, index) => {
  test(`parser: ${fixture.name}`, (t) => {
    checkParserFixture(t, fixture, 7 + index);
  });
});

test('the head: target form, authority, framing, persistence, expectations', (t) => {
  const parser = new RequestParser({ ...DEFAULT_LIMITS });
  parser.push(bytesOf('PUT http://A.example:81/p?q HTTP/1.0\r\nHost: other\r\nConnection: keep-alive, Upgrade\r\nUpgrade: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc'));
  const ev = parser.next();
  if (ev?.type !== 'head') return t.fail('no head');
  const h = ev.head;
  t.is(h.method, 'PUT');
  t.deepEqual(h.parsedTarget, { form: 'absolute', authority: 'A.example:81', scheme: 'http', originForm: '/p?q' });
  t.is(h.authority, 'A.example:81');
  t.is(h.versionMinor, 0);
  t.is(h.bodyFraming, 'length');
  t.is(h.contentLength, 3);
  t.false(h.expectContinue, 'HTTP/1.0 never waits for 100 Continue');
  t.true(h.upgrade);
  t.is(h.headers['connection'], 'keep-alive, Upgrade');
});

test('an expectation other than 100-continue is a 417, or with passExpectations a request like any other', (t) => {
  const request = bytesOf('POST / HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\nContent-Length: 2\r\n\r\nhi');
  const strict = new RequestParser({ ...DEFAULT_LIMITS });
  strict.push(request);
  t.throws(() => strict.next(), { code: 'ERR_EXPECTATION_FAILED' } as never);
  const passing = new RequestParser({ ...DEFAULT_LIMITS }, true);
  passing.push(request);
  const ev = passing.next();
  if (ev?.type !== 'head') return t.fail('no head');
  t.false(ev.head.expectContinue);
  t.is(ev.head.headers['expect'], 'the-unexpected');
  t.is(passing.next()?.type, 'data');
});

test('header fields named like Object.prototype members are fields: own, with their values, and nothing is inherited', (t) => {
  const parser = new RequestParser({ ...DEFAULT_LIMITS });
  parser.push(bytesOf('GET / HTTP/1.1\r\nHost: x\r\n__proto__: a\r\nConstructor: b\r\ntoString: c\r\nhasOwnProperty: d\r\n__proto__: e\r\n\r\n'));
  const ev = parser.next();
  if (ev?.type !== 'head') return t.fail('no head');
  const headers = ev.head.headers;
  t.deepEqual(Object.keys(headers), ['host', '__proto__', 'constructor', 'tostring', 'hasownproperty']);
  t.deepEqual(Object.entries(headers), [['host', 'x'], ['__proto__', 'a, e'], ['constructor', 'b'], ['tostring', 'c'], ['hasownproperty', 'd']]);
  t.is((headers as Record<string, unknown>)['valueof'], undefined);
  t.is((headers as Record<string, unknown>)['toString'], undefined, 'no Object.prototype above the map');
  t.is((headers as Record<string, unknown>)['isPrototypeOf'], undefined);
  t.true(Object.hasOwn(headers, '__proto__'));
});

test('pipelined messages wait for nextMessage(); takeBuffered() hands over the rest', (t) => {
  const parser = new RequestParser(fixtureLimits());
  parser.push(bytesOf('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nrest'));
  t.is(parser.next()?.type, 'head');
  t.is(parser.next()?.type, 'end');
  t.true(parser.betweenMessages);
  t.is(parser.next(), null, 'nothing until nextMessage()');
  parser.nextMessage();
  const second = parser.next();
  t.is(second?.type === 'head' ? second.head.target : '', '/2');
  t.is(parser.next()?.type, 'end');
  parser.nextMessage();
  t.is(parser.next(), null);
  t.true(parser.inHead);
  t.is(parser.takeBuffered().toString(), 'rest');
  t.is(parser.buffered, 0);
});

test('a lowered body limit applies to the current message only; a declared length over it is refused at once', (t) => {
  const parser = new RequestParser(fixtureLimits());
  const chunkedPost = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
  const sizedPost = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
  parser.push(bytesOf(chunkedPost + chunkedPost + sizedPost + sizedPost));
  t.is(parser.next()?.type, 'head');
  parser.limitBody(5); // inclusive
  t.is(parser.next()?.type, 'data');
  t.is(parser.next()?.type, 'end');
  parser.nextMessage();
  t.is(parser.next()?.type, 'head');
  parser.limitBody(4);
  parser.limitBody(100); // a limit is only ever lowered
  t.throws(() => parser.next(), { code: 'ERR_BODY_TOO_LARGE' } as never, 'a chunked body is held to it as it is decoded');
  const sized = new RequestParser(fixtureLimits());
  sized.push(bytesOf(sizedPost + sizedPost));
  t.is(sized.next()?.type, 'head');
  sized.limitBody(5);
  t.is(sized.next()?.type, 'data');
  t.is(sized.next()?.type, 'end');
  sized.nextMessage();
  t.is(sized.next()?.type, 'head', 'restored for the next message');
  const err = t.throws(() => sized.limitBody(4), { code: 'ERR_BODY_TOO_LARGE' } as never);
  t.is((err as unknown as { status: number }).status, 413);
});
