// Path normalisation before routing (core/request-path.ts): per-segment decoding
// that keeps "%2F" and "%25" encoded, dot-segments resolved without climbing
// above "/", the raw form kept alongside, and 400s for bad escapes and NUL.

import test from 'ava';
import { BadPathError, decodeSegment, normalizePath, skipSegments } from '../../core/request-path.js';

test('normalizePath', (t) => {
  const cases: Array<[string, string, string]> = [
    ['/', '/', '/'],
    ['/a/b', '/a/b', '/a/b'],
    ['/a//b', '/a//b', '/a//b'],
    ['/a/./b', '/a/b', '/a/b'],
    ['/a/../b', '/b', '/b'],
    ['/../../x', '/x', '/x'],
    ['/a/..', '/', '/'],
    ['/a/.', '/a/', '/a/'],
    ['/a/%2e%2E/b', '/b', '/b'],
    ['/%2e/x', '/x', '/x'],
    ['/caf%C3%A9', '/café', '/caf%C3%A9'],
    ['/a%20b/c', '/a b/c', '/a%20b/c'],
    ['/a%2Fb', '/a%2Fb', '/a%2Fb'],
    ['/a%2fb/%25', '/a%2Fb/%25', '/a%2fb/%25'],
    ['/.hidden/x', '/.hidden/x', '/.hidden/x'],
    ['/x/..%2F', '/x/..%2F', '/x/..%2F'],
  ];
  for (const [raw, path, rawPath] of cases) t.deepEqual(normalizePath(raw), { path, rawPath }, raw);
});

test('bad escapes, invalid UTF-8 and NUL are BadPathError', (t) => {
  for (const raw of ['/%zz', '/%', '/%4', '/%C3%28', '/a%00b', '/%ff']) {
    t.throws(() => normalizePath(raw), { instanceOf: BadPathError, code: 'ERR_BAD_PATH' }, raw);
  }
  t.is(decodeSegment('plain'), 'plain');
});

test('skipSegments drops the mount prefix from the raw path', (t) => {
  t.is(skipSegments('/app/x%20y/z', 1), '/x%20y/z');
  t.is(skipSegments('/a/b/c', 2), '/c');
  t.is(skipSegments('/app', 1), '');
  t.is(skipSegments('/a/b', 0), '/a/b');
});
