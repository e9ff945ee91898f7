// Conditional and range requests as curl makes them: the real client users
// reach for, spawned as a child process against a real Portico.

import avaTest from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../../helpers/server.js';
import { staticApp } from '../../../adapters/static/index.js';
import { COMPRESSIBLE, DIGITS, makeFixtureTree } from './fixture-tree.js';
import { needs } from '../../helpers/system-program.js';

const { test, paths } = needs('curl');

const tree = makeFixtureTree();
// The tree goes even when curl is missing and the tests skip.
avaTest.after.always(() => tree.remove());

interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Runs curl with `args`; the head goes to a file (-D) and the body to stdout. */
const curl = (args: string[]): Promise<CurlResult> =>
  new Promise((resolve, reject) => {
    const headFile = path.join(tree.base, `head-${process.hrtime.bigint()}.txt`);
    execFile(paths.curl!, ['-s', '-S', '--max-time', '20', '-D', headFile, ...args], { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(' ')}: ${err.message} ${stderr.toString()}`));
      // With --compressed or redirects there may be several heads: keep the last.
      const heads = fs.readFileSync(headFile, 'latin1').trim().split(/\r\n\r\n/);
      fs.rmSync(headFile);
      const lines = heads[heads.length - 1]!.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body: stdout });
    });
  });

const serve = (t: Parameters<typeof startServer>[0]) => startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });

test('curl -r 0-99: 206 with the first hundred bytes', async (t) => {
  const { url } = await serve(t);
  const res = await curl(['-r', '0-99', url + '/digits.txt']);
  t.is(res.status, 206);
  t.is(res.headers['content-range'], 'bytes 0-99/1000');
  t.true(res.body.equals(DIGITS.subarray(0, 100)));
});

test('curl -r with a suffix and an open end', async (t) => {
  const { url } = await serve(t);
  const suffix = await curl(['-r', '-10', url + '/digits.txt']);
  t.is(suffix.headers['content-range'], 'bytes 990-999/1000');
  t.is(suffix.body.toString(), '0123456789');
  const open = await curl(['-r', '998-', url + '/digits.txt']);
  t.is(open.headers['content-range'], 'bytes 998-999/1000');
  t.is(open.body.toString(), '89');
});

test('curl -r 0-1,4-5: multipart/byteranges as curl prints it', async (t) => {
  const { url } = await serve(t);
  const res = await curl(['-r', '0-1,4-5', url + '/digits.txt']);
  t.is(res.status, 206);
  t.regex(res.headers['content-type']!, /^multipart\/byteranges; boundary=/);
  const text = res.body.toString();
  t.regex(text, /Content-Range: bytes 0-1\/1000\r\n\r\n01\r\n/);
  t.regex(text, /Content-Range: bytes 4-5\/1000\r\n\r\n45\r\n/);
});

test('curl -r past the end: 416 with Content-Range: bytes */size', async (t) => {
  const { url } = await serve(t);
  const res = await curl(['-r', '2000-3000', url + '/digits.txt']);
  t.is(res.status, 416);
  t.is(res.headers['content-range'], 'bytes */1000');
});

test('curl -z: If-Modified-Since gives 304 for an unchanged file and 200 for a changed one', async (t) => {
  const { url } = await serve(t);
  const notModified = await curl(['-z', 'Tue, 02 Jan 2024 03:04:05 GMT', url + '/dated.txt']);
  t.is(notModified.status, 304);
  t.is(notModified.body.length, 0);
  const modified = await curl(['-z', 'Mon, 01 Jan 2024 00:00:00 GMT', url + '/dated.txt']);
  t.is(modified.status, 200);
  t.is(modified.body.toString(), 'modified long ago\n');
  // -z with a local file uses that file's mtime.
  const local = path.join(tree.base, 'local-copy.txt');
  fs.writeFileSync(local, 'x');
  const later = new Date('2025-06-01T00:00:00Z');
  fs.utimesSync(local, later, later);
  t.is((await curl(['-z', local, url + '/dated.txt'])).status, 304);
  // "-z -date" means If-Unmodified-Since.
  t.is((await curl(['-z', '-Mon, 01 Jan 2024 00:00:00 GMT', url + '/dated.txt'])).status, 412);
});

test("curl -H 'If-None-Match: <etag>' gives 304; a different tag gives 200", async (t) => {
  const { url } = await serve(t);
  const first = await curl([url + '/hello.txt']);
  const etag = first.headers['etag']!;
  const again = await curl(['-H', `If-None-Match: ${etag}`, url + '/hello.txt']);
  t.is(again.status, 304);
  t.is(again.headers['etag'], etag);
  t.is((await curl(['-H', 'If-None-Match: "other"', url + '/hello.txt'])).status, 200);
  t.is((await curl(['-H', 'If-Match: "other"', url + '/hello.txt'])).status, 412);
});

test('curl --etag-save / --etag-compare round trip', async (t) => {
  const { url } = await serve(t);
  const etagFile = path.join(tree.base, 'etag.txt');
  const first = await curl(['--etag-save', etagFile, url + '/hello.txt']);
  t.is(first.status, 200);
  const second = await curl(['--etag-compare', etagFile, url + '/hello.txt']);
  t.is(second.status, 304);
});

test('curl --compressed takes the precompressed sibling and decodes it', async (t) => {
  const { url } = await serve(t);
  const res = await curl(['--compressed', url + '/compressed.txt']);
  t.is(res.status, 200);
  t.true(['br', 'gzip'].includes(res.headers['content-encoding']!));
  t.is(res.headers['vary'], 'Accept-Encoding');
  t.true(res.body.equals(COMPRESSIBLE));
  const plain = await curl([url + '/compressed.txt']);
  t.false('content-encoding' in plain.headers);
  t.true(plain.body.equals(COMPRESSIBLE));
});

test('curl -C - resumes a partial download into the whole file', async (t) => {
  const { url } = await serve(t);
  const big = tree.files.get('/big.bin')!;
  const out = path.join(tree.base, 'resumed.bin');
  fs.writeFileSync(out, big.subarray(0, 123_457));
  const res = await curl(['-C', '-', '-o', out, url + '/big.bin']);
  t.is(res.status, 206);
  t.is(res.headers['content-range'], `bytes 123457-${big.length - 1}/${big.length}`);
  t.true(fs.readFileSync(out).equals(big));
});

test('curl -I: HEAD fields match GET', async (t) => {
  const { url } = await serve(t);
  const head = await curl(['-I', url + '/big.bin']);
  const get = await curl([url + '/big.bin']);
  delete head.headers['date'];
  delete get.headers['date'];
  t.deepEqual(head.headers, get.headers);
  t.is(head.headers['content-length'], String(tree.files.get('/big.bin')!.length));
});

test('curl -L follows the directory redirect to the index file', async (t) => {
  const { url } = await serve(t);
  const res = await curl(['-L', url + '/docs']);
  t.is(res.status, 200);
  t.is(res.body.toString(), '<h1>docs index</h1>\n');
});
