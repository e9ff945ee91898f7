import test from 'ava';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { staticApp } from '../../../adapters/static/index.js';
import { planByteranges } from '../../../adapters/static/byteranges.js';
import { DIGITS, makeFixtureTree } from './fixture-tree.js';

const tree = makeFixtureTree();
test.after.always(() => tree.remove());

interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** A multipart/byteranges parser written from RFC 2046 §5.1.1, independent of the code under test. */
const parseMultipart = (body: Buffer, boundary: string): Part[] => {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new Error('no delimiter');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break; // close-delimiter
    if (body.subarray(at, at + 2).toString() !== '\r\n') throw new Error('delimiter not followed by CRLF');
    const headEnd = body.indexOf('\r\n\r\n', at);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at + 2, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next === -1) throw new Error('part not terminated');
    parts.push({ headers, body: body.subarray(headEnd + 4, next) });
    at = next + 2;
  }
  return parts;
};

const boundaryOf = (type: string): string => {
  const m = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,\-./:=?]+)$/.exec(type);
  if (!m) throw new Error(`not multipart/byteranges: ${type}`);
  return m[1]!;
};

test('several ranges: 206 multipart/byteranges, each part with its Content-Range and bytes', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const res = await request(url + '/digits.txt', { headers: { range: 'bytes=0-1, 10-14, -3' } });
  t.is(res.statusCode, 206);
  t.is(res.headers['content-range'], undefined, 'no Content-Range on the whole multipart response');
  const body = Buffer.from(await res.body.arrayBuffer());
  t.is(res.headers['content-length'], String(body.length));
  const parts = parseMultipart(body, boundaryOf(String(res.headers['content-type'])));
  const expected: Array<[number, number]> = [[0, 1], [10, 14], [997, 999]];
  t.is(parts.length, expected.length);
  expected.forEach(([start, end], i) => {
    t.is(parts[i]!.headers['content-range'], `bytes ${start}-${end}/1000`);
    t.is(parts[i]!.headers['content-type'], 'text/plain; charset=utf-8');
    t.true(parts[i]!.body.equals(DIGITS.subarray(start, end + 1)));
  });
});

test('multipart parts of a larger file span read chunks exactly', async (t) => {
  const { port } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const big = tree.files.get('/big.bin')!;
  const ranges: Array<[number, number]> = [[250_000, 290_000], [5, 140_000], [300_001, big.length - 1]];
  const r = await exchange(port, `GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(',')}\r\n\r\n`, {
    timeoutMs: 20_000,
  });
  const res = r.responses[0]!;
  t.is(res.status, 206);
  t.is(res.framing, 'length');
  const parts = parseMultipart(res.body, boundaryOf(header(res, 'content-type')!));
  t.is(parts.length, 3);
  ranges.forEach(([start, end], i) => {
    t.is(parts[i]!.headers['content-range'], `bytes ${start}-${end}/${big.length}`);
    t.is(parts[i]!.headers['content-type'], 'application/octet-stream');
    t.true(parts[i]!.body.equals(big.subarray(start, end + 1)), `part ${i}`);
  });
});

test('overlapping ranges are coalesced: a single range gets a plain 206', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const res = await request(url + '/digits.txt', { headers: { range: 'bytes=0-5,3-9,2-4' } });
  t.is(res.statusCode, 206);
  t.is(res.headers['content-range'], 'bytes 0-9/1000');
  t.is(await res.body.text(), '0123456789');
});

test('each response gets its own boundary, and the declared length is exact', (t) => {
  const a = planByteranges([{ start: 0, end: 0 }, { start: 5, end: 9 }], 10, 'text/plain');
  const b = planByteranges([{ start: 0, end: 0 }, { start: 5, end: 9 }], 10, 'text/plain');
  t.not(a.contentType, b.contentType);
  const total = a.partHeads.reduce((n, h) => n + Buffer.byteLength(h), 0) + 1 + 5 + Buffer.byteLength(a.tail);
  t.is(a.length, total);
});
