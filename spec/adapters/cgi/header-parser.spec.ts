// The CGI header block parser, fed every block three ways (all at once, one
// byte at a time, and followed by body bytes), as h11's tests do.

import test from 'ava';
import { CgiHeaderParser, type CgiHead } from '../../../adapters/cgi/header-parser.js';
import { CgiError, type CgiErrorCode } from '../../../adapters/cgi/cgi-error.js';

const feed = (text: string, split: 'whole' | 'bytes', max = 1024): CgiHead | null => {
  const parser = new CgiHeaderParser(max);
  const data = Buffer.from(text, 'latin1');
  if (split === 'whole') return parser.push(data);
  for (let i = 0; i < data.length; i++) {
    const head = parser.push(data.subarray(i, i + 1));
    if (head !== null) return { fields: head.fields, rest: Buffer.concat([head.rest, data.subarray(i + 1)]) };
  }
  return null;
};

const threeWays = (text: string, check: (head: CgiHead | null, extra: string) => void): void => {
  check(feed(text, 'whole'), '');
  check(feed(text, 'bytes'), '');
  check(feed(text + 'BODY\n\nmore', 'whole'), 'BODY\n\nmore');
};

const blocks: Array<[string, string, Array<[string, string]>]> = [
  ['LF line ends', 'Content-Type: text/plain\nX-A: 1\n\n', [['Content-Type', 'text/plain'], ['X-A', '1']]],
  ['CRLF line ends', 'Content-Type: text/plain\r\nX-A: 1\r\n\r\n', [['Content-Type', 'text/plain'], ['X-A', '1']]],
  ['mixed line ends', 'Status: 404 Not Found\r\nContent-Type: text/html\n\r\n', [['Status', '404 Not Found'], ['Content-Type', 'text/html']]],
  ['values trimmed of spaces and tabs, empty values allowed', 'X-A:\t v \t\nX-Empty:\n\n', [['X-A', 'v'], ['X-Empty', '']]],
  ['repeated fields kept in order', 'Set-Cookie: a=1\nSet-Cookie: b=2\n\n', [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]],
  ['obs-text kept byte for byte', 'X-Latin: caf\xe9\n\n', [['X-Latin', 'caf\xe9']]],
];

for (const [title, text, fields] of blocks) {
  test(`parses a block: ${title}`, (t) => {
    threeWays(text, (head, extra) => {
      t.not(head, null);
      t.deepEqual(head!.fields, fields);
      t.is(head!.rest.toString('latin1'), extra);
    });
  });
}

test('an incomplete block asks for more and says output started', (t) => {
  const parser = new CgiHeaderParser(1024);
  t.false(parser.started);
  t.is(parser.push(Buffer.from('Content-Type: text/plain\n')), null);
  t.true(parser.started);
  t.is(parser.push(Buffer.from('X-A: 1\r')), null);
  const head = parser.push(Buffer.from('\n\r\nbody'));
  t.deepEqual(head?.fields, [['Content-Type', 'text/plain'], ['X-A', '1']]);
  t.is(head?.rest.toString(), 'body');
});

const malformed: Array<[string, string, CgiErrorCode]> = [
  ['no colon', 'this is not a header\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['space before the colon', 'Content-Type : text/plain\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['a name that is not a token', 'Bad Name: x\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['an empty name', ': x\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['a bare CR inside a value (header injection)', 'X-A: a\rSet-Cookie: pwned=1\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['a NUL inside a value', 'X-A: a\0b\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['a continuation line (obs-fold)', 'X-A: a\n  b\n\n', 'ERR_CGI_BAD_HEADERS'],
  ['an HTTP status line (not nph-)', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'ERR_CGI_BAD_HEADERS'],
];

for (const [title, text, code] of malformed) {
  test(`refuses ${title}`, (t) => {
    for (const split of ['whole', 'bytes'] as const) {
      const err = t.throws(() => feed(text, split), { instanceOf: CgiError });
      t.is(err?.code, code);
      t.is(err?.status, 502);
    }
  });
}

test('the block is bounded, whole or in pieces, and a block just under the bound passes', (t) => {
  const big = 'X-Filler: ' + 'x'.repeat(200) + '\n';
  for (const split of ['whole', 'bytes'] as const) {
    const err = t.throws(() => feed(big.repeat(10) + '\n', split, 1024), { instanceOf: CgiError });
    t.is(err?.code, 'ERR_CGI_HEADERS_TOO_LARGE');
  }
  // A block without any line end is bounded too.
  t.throws(() => feed('X'.repeat(2000), 'whole', 1024), { instanceOf: CgiError });
  const fits = big.repeat(4) + '\n';
  t.true(fits.length < 1024);
  t.is(feed(fits + 'x'.repeat(5000), 'whole', 1024)?.fields.length, 4);
});
