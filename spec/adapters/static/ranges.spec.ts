import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { staticApp } from '../../../adapters/static/index.js';
import { MAX_RANGES, UNSATISFIABLE, ifRangeAllows, parseRange } from '../../../adapters/static/ranges.js';
import { DIGITS, makeFixtureTree } from './fixture-tree.js';

const tree = makeFixtureTree();
test.after.always(() => tree.remove());

// ---- parsing, without a server ----

test('range-set grammar (RFC 9110 §14.1.1)', (t) => {
  const size = 1000;
  t.deepEqual(parseRange('bytes=0-99', size), [{ start: 0, end: 99 }]);
  t.deepEqual(parseRange('bytes=900-', size), [{ start: 900, end: 999 }]);
  t.deepEqual(parseRange('bytes=-100', size), [{ start: 900, end: 999 }]);
  t.deepEqual(parseRange('bytes=-5000', size), [{ start: 0, end: 999 }]);
  t.deepEqual(parseRange('bytes=990-5000', size), [{ start: 990, end: 999 }]);
  t.deepEqual(parseRange('BYTES=1-1', size), [{ start: 1, end: 1 }]);
  t.deepEqual(parseRange('bytes= 0-0 , -1', size), [{ start: 0, end: 0 }, { start: 999, end: 999 }]);
  t.deepEqual(parseRange('bytes=0-0,,-1', size), [{ start: 0, end: 0 }, { start: 999, end: 999 }]);
  t.deepEqual(parseRange('bytes=500-600,0-10', size), [{ start: 500, end: 600 }, { start: 0, end: 10 }], 'disjoint ranges keep their order');
  t.deepEqual(parseRange('bytes=0-1,5000-6000', size), [{ start: 0, end: 1 }], 'unsatisfiable members are dropped');
  t.deepEqual(parseRange('bytes=0-99999999999999999999999', size), [{ start: 0, end: 999 }]);
  t.is(parseRange('bytes=1000-', size), UNSATISFIABLE);
  t.is(parseRange('bytes=1000-2000,3000-', size), UNSATISFIABLE);
  t.is(parseRange('bytes=-0', size), UNSATISFIABLE);
  for (const invalid of ['bytes=5-1', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=', 'bytes=,', 'items=0-1', 'bytes 0-1', 'bytes=0x1-2', 'bytes=+1-2', 'bytes=1.5-2', 'bytes=0-1,5-1']) {
    t.is(parseRange(invalid, size), null, invalid);
  }
  t.is(parseRange('bytes=0-0', 0), null, 'an empty representation is sent whole');
  t.is(parseRange('bytes=' + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 2}-${i * 2}`).join(','), size), null);
});

test('overlapping or adjacent ranges are coalesced, sorted', (t) => {
  t.deepEqual(parseRange('bytes=0-5,3-9', 100), [{ start: 0, end: 9 }]);
  t.deepEqual(parseRange('bytes=10-19,0-9', 100), [{ start: 0, end: 19 }]);
  t.deepEqual(parseRange('bytes=50-60,0-1,55-70,-10', 100), [{ start: 0, end: 1 }, { start: 50, end: 70 }, { start: 90, end: 99 }]);
  t.deepEqual(parseRange('bytes=0-0,0-0,0-0', 100), [{ start: 0, end: 0 }]);
});

test('property: parsed ranges lie inside the representation and never add up to more than it', (t) => {
  const spec = fc.oneof(
    fc.tuple(fc.nat(3000), fc.option(fc.nat(3000), { nil: undefined })).map(([a, b]) => `${a}-${b ?? ''}`),
    fc.nat(3000).map((n) => `-${n}`),
  );
  fc.assert(
    fc.property(fc.array(spec, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 2000 }), (specs, size) => {
      const result = parseRange('bytes=' + specs.join(','), size);
      if (result === null || result === UNSATISFIABLE) return;
      let total = 0;
      for (const r of result) {
        if (r.start < 0 || r.end >= size || r.start > r.end) throw new Error(`bad range ${JSON.stringify(r)} for ${size}`);
        total += r.end - r.start + 1;
      }
      if (result.length > 1 && total > size) throw new Error(`ranges add up to ${total} > ${size}`);
    }),
  );
  t.pass();
});

test('If-Range: a strong ETag that matches, or the exact date of a file modified over a second ago', (t) => {
  const mtimeMs = Date.UTC(2024, 0, 2, 3, 4, 5, 600);
  t.true(ifRangeAllows(undefined, '"e"', mtimeMs));
  t.true(ifRangeAllows('"e"', '"e"', mtimeMs));
  t.false(ifRangeAllows('"f"', '"e"', mtimeMs));
  t.false(ifRangeAllows('W/"e"', '"e"', mtimeMs), 'weak tags never match');
  t.false(ifRangeAllows('"e"', null, mtimeMs));
  t.true(ifRangeAllows('Tue, 02 Jan 2024 03:04:05 GMT', '"e"', mtimeMs));
  t.false(ifRangeAllows('Tue, 02 Jan 2024 03:04:06 GMT', '"e"', mtimeMs), 'only an exact match');
  t.false(ifRangeAllows('Tue, 02 Jan 2024 03:04:04 GMT', '"e"', mtimeMs));
  t.false(ifRangeAllows('not a date', '"e"', mtimeMs));
  const now = Date.now();
  t.false(ifRangeAllows(new Date(now).toUTCString(), '"e"', now), 'a date within the last second is weak');
});

// ---- over HTTP ----

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
};

test('206 for a single range, with Content-Range and exact bytes', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const cases: Array<[string, number, number]> = [
    ['bytes=0-9', 0, 9],
    ['bytes=10-19', 10, 19],
    ['bytes=995-', 995, 999],
    ['bytes=-5', 995, 999],
    ['bytes=999-999', 999, 999],
    ['bytes=0-5000', 0, 999],
  ];
  for (const [range, start, end] of cases) {
    const res = await get(url + '/digits.txt', { range });
    t.is(res.status, 206, range);
    t.is(res.headers['content-range'], `bytes ${start}-${end}/1000`, range);
    t.is(res.headers['content-length'], String(end - start + 1), range);
    t.is(res.headers['content-type'], 'text/plain; charset=utf-8');
    t.true(res.body.equals(DIGITS.subarray(start, end + 1)), range);
  }
});

test('a range across read chunks of a larger file is exact', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const big = tree.files.get('/big.bin')!;
  for (const [start, end] of [[100_000, 250_000], [0, 200_000], [65_535, 65_536], [131_071, 131_072], [200_000, big.length - 1]] as const) {
    const res = await get(url + '/big.bin', { range: `bytes=${start}-${end}` });
    t.is(res.status, 206);
    t.is(res.headers['content-range'], `bytes ${start}-${end}/${big.length}`);
    t.true(res.body.equals(big.subarray(start, end + 1)), `${start}-${end}`);
  }
});

test('416 with "Content-Range: bytes */size" when no range is satisfiable', async (t) => {
  const { port } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=1000-1000,2000-']) {
    const r = await exchange(port, `GET /digits.txt HTTP/1.1\r\nHost: x\r\nRange: ${range}\r\n\r\n`);
    const res = r.responses[0]!;
    t.is(res.status, 416, range);
    t.is(header(res, 'content-range'), 'bytes */1000', range);
    t.false(res.body.toString().includes('0123456789'));
  }
});

test('an invalid or foreign Range is ignored: 200 with everything', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  for (const range of ['bytes=5-1', 'bytes=abc', 'lines=1-2', 'bytes=--1', 'bytes=0-0,' + '1-1,'.repeat(MAX_RANGES)]) {
    const res = await get(url + '/digits.txt', { range });
    t.is(res.status, 200, range);
    t.is(res.headers['content-range'], undefined);
    t.true(res.body.equals(DIGITS));
  }
  // A zero-length file has no satisfiable range except by ignoring the field.
  const empty = await get(url + '/empty.txt', { range: 'bytes=0-' });
  t.is(empty.status, 200);
  t.is(empty.body.length, 0);
});

test('If-Range with a matching ETag or date gives 206; with a stale one, 200 and the whole file', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const first = await get(url + '/digits.txt');
  const etag = String(first.headers['etag']);
  const lastModified = String(first.headers['last-modified']);
  const match = await get(url + '/digits.txt', { range: 'bytes=0-1', 'if-range': etag });
  t.is(match.status, 206);
  t.is(match.body.toString(), '01');
  const byDate = await get(url + '/digits.txt', { range: 'bytes=0-1', 'if-range': lastModified });
  t.is(byDate.status, 206);
  for (const stale of ['"stale"', `W/${etag}`, 'Mon, 01 Jan 2024 00:00:00 GMT', 'rubbish']) {
    const res = await get(url + '/digits.txt', { range: 'bytes=0-1', 'if-range': stale });
    t.is(res.status, 200, stale);
    t.true(res.body.equals(DIGITS), stale);
  }
});

test('If-Range by date is refused for a file modified within the last second (a weak validator)', async (t) => {
  const file = path.join(tree.root, 'fresh.txt');
  fs.writeFileSync(file, 'fresh content');
  // Dated a minute ahead, so "modified less than a second ago" holds however slow the machine is.
  const soon = new Date(Date.now() + 60_000);
  fs.utimesSync(file, soon, soon);
  t.teardown(() => fs.rmSync(file, { force: true }));
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const first = await get(url + '/fresh.txt');
  const res = await get(url + '/fresh.txt', { range: 'bytes=0-1', 'if-range': String(first.headers['last-modified']) });
  t.is(res.status, 200);
  t.is(res.body.toString(), 'fresh content');
  // The same file's ETag is strong, so If-Range by tag still works.
  const byTag = await get(url + '/fresh.txt', { range: 'bytes=0-1', 'if-range': String(first.headers['etag']) });
  t.is(byTag.status, 206);
  t.is(byTag.body.toString(), 'fr');
});
