// What a header block asks for: a document, a local redirect or a client
// redirect (RFC 3875 §6.2), and which program fields reach the client.

import test from 'ava';
import { interpretHead, isLocalPath } from '../../../adapters/cgi/cgi-response.js';
import { CgiError } from '../../../adapters/cgi/cgi-error.js';

test('a document defaults to 200 and keeps its fields in order', (t) => {
  t.deepEqual(interpretHead([['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]), {
    kind: 'document',
    status: 200,
    reason: undefined,
    headers: [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']],
  });
});

test('Status gives the code and the reason, and is not sent as a field', (t) => {
  t.deepEqual(interpretHead([['Status', '404 Nothing Here'], ['Content-Type', 'text/html']]), {
    kind: 'document',
    status: 404,
    reason: 'Nothing Here',
    headers: [['Content-Type', 'text/html']],
  });
  const bare = interpretHead([['status', '204']]);
  t.is(bare.kind === 'document' && bare.status, 204);
  t.is(bare.kind === 'document' ? bare.reason : 'x', undefined);
});

test('invalid, informational or repeated Status is the program’s error', (t) => {
  for (const value of ['abc', '2000 Too Long', '99 Low', '100 Continue', '']) {
    t.throws(() => interpretHead([['Status', value]]), { instanceOf: CgiError }, value);
  }
  t.throws(() => interpretHead([['Status', '200'], ['Status', '404']]), { instanceOf: CgiError });
});

test('a local Location alone is a local redirect', (t) => {
  t.deepEqual(interpretHead([['Location', '/cgi/other?x=1']]), { kind: 'local-redirect', location: '/cgi/other?x=1' });
});

test('a local Location with other fields, or with a Status, is a client redirect', (t) => {
  const withType = interpretHead([['Location', '/x'], ['Content-Type', 'text/html']]);
  t.is(withType.kind === 'document' && withType.status, 302);
  const withStatus = interpretHead([['Status', '301 Moved Permanently'], ['Location', '/x']]);
  t.is(withStatus.kind === 'document' && withStatus.status, 301);
  t.deepEqual(withStatus.kind === 'document' && withStatus.headers, [['Location', '/x']]);
});

test('an absolute or network-path Location is a 302 client redirect', (t) => {
  for (const location of ['http://example.com/', 'https://example.com/a?b', '//example.com/x']) {
    const answer = interpretHead([['Location', location]]);
    t.is(answer.kind, 'document', location);
    t.is(answer.kind === 'document' && answer.status, 302);
    t.deepEqual(answer.kind === 'document' && answer.headers, [['Location', location]]);
  }
  t.true(isLocalPath('/a'));
  t.false(isLocalPath('//a'));
  t.false(isLocalPath('a'));
});

test('framing and hop-by-hop fields are dropped; a valid Content-Length is kept for the engine to enforce', (t) => {
  const answer = interpretHead([
    ['Content-Type', 'text/plain'],
    ['Transfer-Encoding', 'chunked'],
    ['Connection', 'close'],
    ['Keep-Alive', 'timeout=5'],
    ['Content-Length', '5'],
    ['Content-Length', '5'],
  ]);
  t.deepEqual(answer.kind === 'document' && answer.headers, [['Content-Type', 'text/plain'], ['Content-Length', '5']]);
  for (const bad of [[['Content-Length', '-1']], [['Content-Length', '5, 6']], [['Content-Length', '5'], ['Content-Length', '6']]] as Array<Array<[string, string]>>) {
    t.throws(() => interpretHead(bad), { instanceOf: CgiError });
  }
});

test('an empty or repeated Location is refused', (t) => {
  t.throws(() => interpretHead([['Location', '']]), { instanceOf: CgiError });
  t.throws(() => interpretHead([['Location', '/a'], ['Location', '/b']]), { instanceOf: CgiError });
});
