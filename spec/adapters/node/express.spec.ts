// Express 4 and Express 5, unmodified, on node:http and on Portico: every case
// is sent to both and the answers must be equal (peers.ts says which fields are
// left out and why); each case also checks that the feature really worked, so
// two equal failures cannot pass. The app runs at the root, and mounted at
// /app (on node:http the same app is mounted at /app by an outer Express app,
// which is what Portico's mount replaces).

import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import express4 from 'express';
import express5 from 'express5';
import { nodeApp } from '../../../adapters/node/index.js';
import { assertSame, snapshot, startPair, type Pair, type Snapshot } from './peers.js';

const json = (r: Snapshot): any => JSON.parse(Buffer.from(r.body, 'latin1').toString('utf8'));
import { buildExpressApp, makeFixtures, type Fixtures } from './express-app.js';

let files: Fixtures;
// Express logs errors that reach its final handler with console.error; keep them to check instead.
const logged: string[] = [];
const consoleError = console.error;
test.before(() => {
  files = makeFixtures();
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
});
test.after.always(() => {
  console.error = consoleError;
  fs.rmSync(files.dir, { recursive: true, force: true });
});

const VERSIONS = [
  ['Express 4', express4],
  ['Express 5', express5],
] as const;

const runCases = async (t: ExecutionContext, pair: Pair, mount: string): Promise<void> => {
  const same = (path: string, req?: Parameters<typeof assertSame>[3]) => assertSame(t, pair, path, req);

  let r = await same('/users/42/books/7?sort=asc&tag=a&tag=b');
  t.is(r.status, 200);
  t.like(json(r), { params: { id: '42', book: '7' }, path: '/users/42/books/7' });
  t.deepEqual(json(r).query.tag, ['a', 'b']);

  r = await same('/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2],"b":"é"}' });
  t.deepEqual(json(r).got, { a: [1, 2], b: 'é' });
  r = await same('/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two+words' });
  t.deepEqual(json(r).got, { a: '1', b: 'two words' });

  r = await same('/redirect');
  t.is(r.status, 302);
  t.is(r.headers['location'], '/users/1/books/2');
  r = await same('/moved');
  t.is(r.status, 301);

  r = await same('/file');
  t.is(r.status, 200);
  t.is(r.body, fs.readFileSync(files.small, 'latin1'));
  const etag = r.headers['etag'] as string;
  const lastModified = r.headers['last-modified'] as string;
  t.truthy(etag);
  r = await same('/file', { headers: { range: 'bytes=6-9' } });
  t.is(r.status, 206);
  t.is(r.body, 'from');
  t.regex(r.headers['content-range'] as string, /^bytes 6-9\/\d+$/);
  r = await same('/file', { headers: { 'if-none-match': etag } });
  t.is(r.status, 304);
  t.is(r.body, '');
  r = await same('/file', { headers: { 'if-modified-since': lastModified } });
  t.is(r.status, 304);

  r = await same('/static/big.txt');
  t.is(r.body.length, fs.statSync(files.big).size);
  r = await same('/static/big.txt', { headers: { range: 'bytes=100000-100099' } });
  t.is(r.status, 206);
  t.is(r.body, fs.readFileSync(files.big, 'latin1').slice(100000, 100100));
  r = await same('/static/big.txt', { headers: { range: 'bytes=0-1,5-6' } });
  t.is(r.status, 200); // send does not do multipart/byteranges: the whole file
  r = await same('/static/big.txt', { headers: { range: 'bytes=999999999-' } });
  t.is(r.status, 416);
  r = await same('/static/big.txt', { headers: { 'if-none-match': (await same('/static/hello.txt')).headers['etag'] as string } });
  t.is(r.status, 200);
  r = await same('/static/hello.txt', { headers: { 'if-none-match': (await same('/static/hello.txt')).headers['etag'] as string } });
  t.is(r.status, 304);
  r = await same('/static/big.txt', { method: 'HEAD' });
  t.is(r.headers['content-length'], String(fs.statSync(files.big).size));
  t.is(r.body, '');
  r = await same('/static/dir');
  t.is(r.status, 301);
  t.is(r.headers['location'], `${mount}/static/dir/`);
  r = await same('/static/dir/');
  t.is(r.body, '<h1>index</h1>\n');

  r = await same('/download');
  t.regex(r.headers['content-disposition'] as string, /^attachment; filename="?report\.txt"?$/);

  r = await same('/set-cookies');
  const cookies = r.headers['set-cookie'] as string[];
  t.true(Array.isArray(cookies));
  t.is(cookies.length, 4);
  t.regex(cookies[1]!, /^signed=s%3Atwo\./);
  const signed = cookies[1]!.split(';')[0]!;
  r = await same('/read-cookies', { headers: { cookie: `plain=one; ${signed}; obj=j%3A%7B%22a%22%3A1%7D` } });
  t.deepEqual(json(r), { cookies: { plain: 'one', obj: { a: 1 } }, signed: { signed: 'two' } });

  r = await same('/gz/text', { headers: { 'accept-encoding': 'gzip' } });
  t.is(r.headers['content-encoding'], 'gzip');
  t.is(r.headers['vary'], 'Accept-Encoding');
  r = await same('/gz/stream', { headers: { 'accept-encoding': 'gzip, deflate' } });
  t.is(r.headers['content-encoding'], 'gzip');
  t.is(r.headers['transfer-encoding'], 'chunked');
  r = await same('/gz/text', { headers: { 'accept-encoding': 'identity' } });
  t.false('content-encoding' in r.headers);

  r = await same('/stream');
  t.is(r.headers['transfer-encoding'], 'chunked');
  t.true(r.body.startsWith('part 0\npart 1\n') && r.body.endsWith('part 9\ndone\n'));
  r = await same('/pipe');
  t.is(r.body, fs.readFileSync(files.big, 'latin1'));

  r = await same('/fail');
  t.is(r.status, 500);
  t.deepEqual(json(r), { error: 'handled by the app' });
  r = await same('/teapot');
  t.is(r.status, 418);
  r = await same('/throws');
  t.is(r.status, 500);
  t.true(logged.some((line) => line.includes('Error: thrown in a route')));
  r = await same('/missing');
  t.is(r.status, 404);
  t.regex(r.body, new RegExp(`Cannot GET ${mount}/missing`));

  if (mount === '') {
    r = await same('/sub/where?q=1');
  } else {
    // The one known difference: Express's baseUrl covers only Express's own mounts;
    // Portico's mount prefix shows in originalUrl (as a reverse proxy's would not at all).
    r = await snapshot(pair.portico + '/sub/where?q=1');
  }
  t.deepEqual(json(r), { baseUrl: '/sub', originalUrl: `${mount}/sub/where?q=1`, url: '/where?q=1', path: '/where' });
  r = await same('/sub/go');
  t.is(r.status, 302);
  t.is(r.headers['location'], 'where');
};

for (const [name, express] of VERSIONS) {
  test(`${name} at the root: every case answers as on node:http`, async (t) => {
    const app = buildExpressApp(express, files);
    const pair = await startPair(t, app);
    await runCases(t, pair, '');
    t.deepEqual(pair.errors, []);
  });

  test(`${name} mounted at /app: answers as when Express mounts it at /app on node:http`, async (t) => {
    const app = buildExpressApp(express, files);
    const outer = express();
    outer.set('env', 'production');
    outer.use('/app', app);
    const pair = await startPair(t, app, { mount: '/app', nodeHandler: outer, app: nodeApp(app) });
    await runCases(t, pair, '/app');
    t.deepEqual(pair.errors, []);
  });
}
