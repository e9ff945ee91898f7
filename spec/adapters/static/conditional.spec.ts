import test from 'ava';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { staticApp } from '../../../adapters/static/index.js';
import { etagListMatches, evaluatePreconditions, makeEtag } from '../../../adapters/static/conditional.js';
import { makeFixtureTree } from './fixture-tree.js';

const tree = makeFixtureTree();
test.after.always(() => tree.remove());

// ---- the rules, without a server ----

test('entity-tag lists: strong comparison for If-Match, weak for If-None-Match (RFC 9110 §8.8.3.2)', (t) => {
  const tag = '"1a-2b"';
  t.true(etagListMatches('"1a-2b"', tag, false));
  t.true(etagListMatches('"x", "1a-2b"', tag, false));
  t.true(etagListMatches('"x",W/"y" ,\t"1a-2b"', tag, false));
  t.false(etagListMatches('W/"1a-2b"', tag, false));
  t.true(etagListMatches('W/"1a-2b"', tag, true));
  t.true(etagListMatches('*', tag, false));
  t.true(etagListMatches(' * ', null, true));
  t.false(etagListMatches('"1a-2b', tag, true), 'unterminated tag');
  t.false(etagListMatches('1a-2b', tag, true), 'unquoted is not an entity-tag');
  t.false(etagListMatches('"1a-2"', tag, true));
  t.false(etagListMatches('"1a-2bb"', tag, true));
  t.false(etagListMatches('"1a-2b"', null, true));
  // A comma inside the quotes belongs to the tag.
  t.true(etagListMatches('"a,b", "c"', '"a,b"', false));
  t.false(etagListMatches('"a,b"', '"b"', false));
});

test('ETags differ by size, mtime and content coding', (t) => {
  t.is(makeEtag(255, 4096.7, null), '"ff-1000"');
  t.is(makeEtag(255, 4096, 'br'), '"ff-1000-br"');
  t.not(makeEtag(1, 1000, null), makeEtag(2, 1000, null));
  t.not(makeEtag(1, 1000, null), makeEtag(1, 1001, null));
});

test('RFC 9110 §13.2.2 order: If-Match before If-Unmodified-Since before If-None-Match before If-Modified-Since', (t) => {
  const etag = '"e"';
  const modified = 1_000_000;
  const date = (s: number) => new Date(s * 1000).toUTCString();
  const run = (h: Record<string, string>, getOrHead = true) => evaluatePreconditions(h, getOrHead, etag, modified);
  t.is(run({}), 0);
  t.is(run({ 'if-match': '"other"' }), 412);
  t.is(run({ 'if-match': '"e"' }), 0);
  t.is(run({ 'if-match': '*' }), 0);
  t.is(run({ 'if-unmodified-since': date(modified - 1) }), 412);
  t.is(run({ 'if-unmodified-since': date(modified) }), 0);
  // If-Match present: If-Unmodified-Since is not evaluated.
  t.is(run({ 'if-match': '"e"', 'if-unmodified-since': date(modified - 1) }), 0);
  t.is(run({ 'if-unmodified-since': 'yesterday' }), 0, 'an invalid date is ignored');
  t.is(run({ 'if-none-match': '"e"' }), 304);
  t.is(run({ 'if-none-match': '"e"' }, false), 412);
  t.is(run({ 'if-none-match': '"other"' }), 0);
  t.is(run({ 'if-modified-since': date(modified) }), 304);
  t.is(run({ 'if-modified-since': date(modified + 10) }), 304);
  t.is(run({ 'if-modified-since': date(modified - 1) }), 0);
  t.is(run({ 'if-modified-since': date(modified) }, false), 0, 'If-Modified-Since is for GET and HEAD only');
  // If-None-Match present: If-Modified-Since is not evaluated.
  t.is(run({ 'if-none-match': '"other"', 'if-modified-since': date(modified + 10) }), 0);
  // 412 from If-Match wins over 304 from If-None-Match.
  t.is(run({ 'if-match': '"other"', 'if-none-match': '"e"' }), 412);
  t.is(run({ 'if-modified-since': 'not a date' }), 0);
});

// ---- over HTTP ----

const get = async (url: string, headers: Record<string, string> = {}, method = 'GET') => {
  const res = await request(url, { method, headers });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
};

test('304 via If-None-Match: validators and caching fields, no body', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root, cacheControl: 'max-age=60' }) } });
  const first = await get(url + '/hello.txt');
  const etag = String(first.headers['etag']);
  for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
    const res = await get(url + '/hello.txt', { 'if-none-match': inm });
    t.is(res.status, 304, inm);
    t.is(res.body, '');
    t.is(res.headers['etag'], etag);
    t.is(res.headers['last-modified'], first.headers['last-modified']);
    t.is(res.headers['cache-control'], 'max-age=60');
    t.is(res.headers['vary'], 'Accept-Encoding');
    t.is(res.headers['content-length'], undefined);
  }
  t.is((await get(url + '/hello.txt', { 'if-none-match': '"nope"' })).status, 200);
  t.is((await get(url + '/hello.txt', { 'if-none-match': etag }, 'HEAD')).status, 304);
});

test('304 via If-Modified-Since, 200 when modified since', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const first = await get(url + '/dated.txt');
  const lastModified = String(first.headers['last-modified']);
  t.is(lastModified, 'Tue, 02 Jan 2024 03:04:05 GMT');
  t.is((await get(url + '/dated.txt', { 'if-modified-since': lastModified })).status, 304);
  // The obsolete formats are accepted too (RFC 9110 §5.6.7).
  t.is((await get(url + '/dated.txt', { 'if-modified-since': 'Tuesday, 02-Jan-24 03:04:05 GMT' })).status, 304);
  t.is((await get(url + '/dated.txt', { 'if-modified-since': 'Tue Jan  2 03:04:05 2024' })).status, 304);
  t.is((await get(url + '/dated.txt', { 'if-modified-since': 'Tue, 02 Jan 2024 03:04:04 GMT' })).status, 200);
  t.is((await get(url + '/dated.txt', { 'if-modified-since': 'garbage' })).status, 200);
  // If-None-Match takes precedence: a mismatching tag means 200 whatever the date says.
  t.is((await get(url + '/dated.txt', { 'if-none-match': '"other"', 'if-modified-since': lastModified })).status, 200);
});

test('412 via If-Match and If-Unmodified-Since, for GET and HEAD', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const first = await get(url + '/dated.txt');
  const etag = String(first.headers['etag']);
  for (const method of ['GET', 'HEAD']) {
    t.is((await get(url + '/dated.txt', { 'if-match': '"other"' }, method)).status, 412, method);
    t.is((await get(url + '/dated.txt', { 'if-match': `W/${etag}` }, method)).status, 412, 'weak tags never match If-Match');
    t.is((await get(url + '/dated.txt', { 'if-match': etag }, method)).status, 200, method);
    t.is((await get(url + '/dated.txt', { 'if-match': '*' }, method)).status, 200, method);
    t.is((await get(url + '/dated.txt', { 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, method)).status, 412, method);
    t.is((await get(url + '/dated.txt', { 'if-unmodified-since': 'Wed, 03 Jan 2024 00:00:00 GMT' }, method)).status, 200, method);
  }
  // A precondition failure is checked before the range: 412, not 206.
  t.is((await get(url + '/dated.txt', { 'if-match': '"other"', range: 'bytes=0-1' })).status, 412);
  // If-Match for a file that does not exist is a 404 (there is no representation to compare).
  t.is((await get(url + '/missing.txt', { 'if-match': '*' })).status, 404);
});
