// Streaming through the fetch adapter at volume, with the server in a child
// process (stream-server.ts) so its memory can be watched: a 100 MiB response
// stream to a slow reader, and a 100 MiB upload hashed through request.body.
// Either would need 100 MiB of server memory if anything buffered the body.

import test from 'ava';
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { DOWNLOAD_BYTES, patternChunk } from './stream-server.js';

const MiB = 1024 * 1024;
const SERVER = fileURLToPath(new URL('./stream-server.js', import.meta.url));

interface Stats {
  rss: number;
  pulled: number;
}

const startChild = async (t: { teardown(fn: () => void): void }): Promise<{ child: ChildProcess; port: number; stats(): Promise<Stats> }> => {
  const child = fork(SERVER, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.teardown(() => {
    child.kill();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`stream server exited with ${String(code)}`)));
  });
  // Each request carries an id and waits for its own answer: the sampler's requests are not
  // awaited, so a reply to an earlier one must not satisfy a later one (the final stats would be
  // a snapshot from mid-stream; a full run once saw `pulled` 13 chunks short that way).
  let nextId = 0;
  const stats = (): Promise<Stats> =>
    new Promise((resolve) => {
      const id = ++nextId;
      const onMessage = (m: unknown): void => {
        if ((m as { id?: number }).id !== id) return;
        child.off('message', onMessage);
        resolve(m as Stats);
      };
      child.on('message', onMessage);
      child.send({ stats: id });
    });
  return { child, port, stats };
};

const sampleWhile = <T>(stats: () => Promise<Stats>, work: Promise<T>, onSample: (s: Stats) => void): Promise<T> => {
  const timer = setInterval(() => void stats().then(onSample), 250);
  return work.finally(() => clearInterval(timer));
};

test.serial('a 100 MiB ReadableStream reaches a slow reader with bounded server memory and producer pulls', async (t) => {
  t.timeout(120_000);
  const { port, stats } = await startChild(t);
  const base = await stats();
  let maxRss = base.rss;
  let maxAhead = 0;
  let received = 0;
  let intact = true;
  const res = await request(`http://127.0.0.1:${port}/download`);
  t.is(res.statusCode, 200);
  t.is(res.headers['transfer-encoding'], 'chunked', 'an unknown-length stream goes out chunked');
  const read = async (): Promise<void> => {
    let sinceNap = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (intact && !chunk.equals(patternChunk(received, chunk.length))) intact = false;
      received += chunk.length;
      sinceNap += chunk.length;
      // About 25 MiB/s: far slower than the producer could go.
      if (sinceNap >= 256 * 1024) {
        sinceNap = 0;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await sampleWhile(stats, read(), (s) => {
    maxRss = Math.max(maxRss, s.rss);
    maxAhead = Math.max(maxAhead, s.pulled - received);
  });
  const end = await stats();
  maxRss = Math.max(maxRss, end.rss);
  t.is(received, DOWNLOAD_BYTES);
  t.true(intact, 'the bytes arrive in order and intact');
  t.is(end.pulled, DOWNLOAD_BYTES);
  t.log(`server RSS grew ${((maxRss - base.rss) / MiB).toFixed(1)} MiB; the producer ran at most ${(maxAhead / MiB).toFixed(1)} MiB ahead of the reader`);
  t.true(maxRss - base.rss < 64 * MiB, 'server memory stays bounded');
  t.true(maxAhead < 32 * MiB, 'the producer is pulled only about as fast as the client reads');
});

test.serial('a 100 MiB upload is hashed through request.body as it arrives, with bounded server memory', async (t) => {
  t.timeout(120_000);
  const { port, stats } = await startChild(t);
  const base = await stats();
  let maxRss = base.rss;
  const sent = createHash('sha256');
  async function* body(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < DOWNLOAD_BYTES; offset += 256 * 1024) {
      const chunk = patternChunk(offset, 256 * 1024);
      sent.update(chunk);
      yield chunk;
    }
  }
  const work = (async () => {
    const res = await request(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: Readable.from(body()) });
    return { status: res.statusCode, answer: (await res.body.json()) as { bytes: number; sha256: string } };
  })();
  const { status, answer } = await sampleWhile(stats, work, (s) => (maxRss = Math.max(maxRss, s.rss)));
  maxRss = Math.max(maxRss, (await stats()).rss);
  t.is(status, 200);
  t.is(answer.bytes, DOWNLOAD_BYTES);
  t.is(answer.sha256, sent.digest('hex'));
  t.log(`server RSS grew ${((maxRss - base.rss) / MiB).toFixed(1)} MiB`);
  t.true(maxRss - base.rss < 64 * MiB, 'the upload is not buffered');
});
