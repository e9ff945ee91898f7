// Bodies of unknown length (chunked) are spooled so CONTENT_LENGTH can be set:
// in memory when small, else in a temporary file unlinked at once (so nothing
// is ever left behind), bounded by maxSpoolBytes, which the adapter hands to the
// body: past it is the engine's 413 (the cases in spec/helpers/spool-limit.ts,
// shared with FastCGI). With spooling off the body streams without CONTENT_LENGTH.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { read } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { HttpError, RequestBody } from '../../../core/index.js';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { spoolBody } from '../../../adapters/cgi/body-spool.js';
import type { BodyStream } from '../../../adapters/env.js';
import { startServer } from '../../helpers/server.js';
import { spoolLimitCases } from '../../helpers/spool-limit.js';
import { FIXTURES, captureLog } from './helpers.js';

const pattern = (size: number): Buffer => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
};

/** An undici body that goes out chunked: several parts of unknown total length. */
const chunked = (data: Buffer, part = 100_000): Readable =>
  Readable.from((function* () {
    for (let i = 0; i < data.length; i += part) yield data.subarray(i, i + part);
  })());

const setup = async (t: ExecutionContext) => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'portico-cgi-spool-'));
  t.teardown(() => rmSync(spoolDir, { recursive: true, force: true }));
  const log = captureLog();
  const common = { root: FIXTURES, logger: log, tmpDir: spoolDir, spoolMemoryBytes: 1024 };
  const server = await startServer(t, {
    mounts: {
      '/cgi': cgiApp(common),
      '/small': cgiApp({ ...common, maxSpoolBytes: 1024 * 1024 }),
      '/stream': cgiApp({ ...common, spoolUnknownLength: false }),
      '/tiny': cgiApp({ ...common, maxSpoolBytes: 1000 }),
    },
  });
  return { ...server, spoolDir, log };
};

for (const [size, where] of [[500, 'in memory'], [2 * 1024 * 1024 + 3, 'in an unlinked temporary file']] as const) {
  test(`a chunked body of ${size} bytes is spooled ${where} and gets CONTENT_LENGTH`, async (t) => {
    const { url, spoolDir } = await setup(t);
    const body = pattern(size);
    const res = await request(`${url}/cgi/echo.sh`, { method: 'POST', body: chunked(body, size > 1000 ? 100_000 : 100) });
    t.is(res.statusCode, 200);
    t.is(res.headers['x-content-length'], String(size));
    t.true(Buffer.from(await res.body.arrayBuffer()).equals(body));
    t.deepEqual(readdirSync(spoolDir), [], 'no spool file is left');
  });
}

test('a chunked body past maxSpoolBytes is a 413, and no spool file is left', async (t) => {
  const { url, spoolDir } = await setup(t);
  const res = await request(`${url}/small/echo.sh`, { method: 'POST', body: chunked(pattern(2 * 1024 * 1024)) }).catch((err: Error) => err);
  if (!(res instanceof Error)) {
    t.is(res.statusCode, 413);
    await res.body.dump();
  } else {
    t.regex(res.message, /closed|reset|socket/i, 'the server may close while the client still sends');
  }
  t.deepEqual(readdirSync(spoolDir), []);
});

spoolLimitCases(
  test,
  'cgi',
  async (t) => {
    const { port } = await setup(t);
    return {
      port,
      limit: 1000,
      spooled: '/tiny/echo.sh',
      next: '/tiny/echo.sh',
      spooledDeclared: '/tiny/nph-raw.sh',
      streamed: '/tiny/echo.sh',
      lengthSeen: (res) => res.body.length,
      boundAfterArrival: true,
    };
  },
  true,
);

test('with spoolUnknownLength: false a chunked body streams without CONTENT_LENGTH', async (t) => {
  const { url } = await setup(t);
  const body = pattern(300_000);
  const res = await request(`${url}/stream/echo.sh`, { method: 'POST', body: chunked(body) });
  t.is(res.headers['x-content-length'], 'unset');
  t.true(Buffer.from(await res.body.arrayBuffer()).equals(body));
});

test('spoolBody: the file is unlinked from the start and read from offset 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-cgi-spool-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const body = new RequestBody(-1, 1 << 20);
  const data = pattern(10_000);
  for (let i = 0; i < data.length; i += 3000) body.push(data.subarray(i, i + 3000));
  body.end(null, null);
  const spool = await spoolBody(body, { maxBytes: 1 << 20, memoryBytes: 4096, tmpDir: dir });
  t.is(spool.length, data.length);
  t.is(spool.buffer, null);
  const file = spool.file!;
  t.is((await file.stat()).nlink, 0, 'already unlinked');
  t.deepEqual(readdirSync(dir), []);
  const back = Buffer.alloc(data.length + 10);
  // Read through the shared offset, as the program will: it must still be 0.
  const n = await new Promise<number>((resolve, reject) => read(file.fd, back, 0, back.length, null, (err, bytes) => (err ? reject(err) : resolve(bytes))));
  t.is(n, data.length);
  t.true(back.subarray(0, n).equals(data));
  await file.close();
});

test('spoolBody: small bodies stay in memory; past maxBytes the engine\'s 413, from the body or, on a body without limit(), counted', async (t) => {
  const small = new RequestBody(-1, 1 << 20);
  small.push(Buffer.from('abc'));
  small.push(Buffer.from('def'));
  small.end(null, null);
  const spool = await spoolBody(small, { maxBytes: 100, memoryBytes: 100, tmpDir: tmpdir() });
  t.is(spool.buffer?.toString(), 'abcdef');
  t.is(spool.file, null);
  const big = new RequestBody(-1, 1 << 20);
  big.push(Buffer.alloc(200));
  big.end(null, null);
  let limited = -1;
  const limit = big.limit.bind(big);
  big.limit = (max) => limit((limited = max));
  const err = await t.throwsAsync(spoolBody(big, { maxBytes: 100, memoryBytes: 50, tmpDir: tmpdir() }), { instanceOf: HttpError });
  t.deepEqual([err?.status, err?.code, limited], [413, 'ERR_BODY_TOO_LARGE', 100]);
  // An env made elsewhere: a body with no limit() of its own.
  const foreign = { length: -1, async *[Symbol.asyncIterator]() { yield Buffer.alloc(60); yield Buffer.alloc(60); } } as unknown as BodyStream;
  const counted = await t.throwsAsync(spoolBody(foreign, { maxBytes: 100, memoryBytes: 50, tmpDir: tmpdir() }), { instanceOf: HttpError });
  t.deepEqual([counted?.status, counted?.code], [413, 'ERR_BODY_TOO_LARGE']);
});
