import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { staticApp } from '../../../adapters/static/index.js';
import { startChildServer, type ChildServer } from './child.js';

const MiB = 1024 * 1024;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-static-large-'));
test.after.always(() => fs.rmSync(base, { recursive: true, force: true }));

/** A file of `mib` MiB whose every MiB is stamped with its index, so reordered or repeated blocks show. */
const makeLargeFile = (name: string, mib: number): { file: string; sha256: string } => {
  const file = path.join(base, name);
  const block = crypto.randomBytes(MiB);
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0);
    fs.writeSync(fd, block);
    hash.update(block);
  }
  fs.closeSync(fd);
  return { file, sha256: hash.digest('hex') };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const large = makeLargeFile('large.bin', 50);

interface Memory {
  rss: number;
  arrayBuffers: number;
}

/**
 * Downloads large.bin from the child, stopping for 400 ms at the start and after
 * every 8 MiB; while stopped, the child reports its live memory.
 */
const slowDownload = async (child: ChildServer) => {
  const samples: Memory[] = [];
  const socket = child.connect();
  socket.on('connect', () => socket.write('GET /large.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  const hash = crypto.createHash('sha256');
  let head = '';
  let headDone = false;
  let bodyBytes = 0;
  let nextStall = 0;
  let stalls = 0;
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (!headDone) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        headDone = true;
        data = chunk.subarray(chunk.length - (head.length - end - 4));
      }
      hash.update(data);
      bodyBytes += data.length;
      if (bodyBytes >= nextStall) {
        // Stop reading for a while: the server must stop too, not buffer the file.
        nextStall += 8 * MiB;
        stalls++;
        socket.pause();
        void (async () => {
          await sleep(400);
          samples.push(JSON.parse(await child.getText('/_memory')) as Memory);
          socket.resume();
        })().catch(reject);
      }
    });
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  return { head, bodyBytes, sha256: hash.digest('hex'), stalls, elapsed: Date.now() - started, samples };
};

// Over TCP on loopback the kernel's autotuned buffers (here up to 32 MiB for
// receiving) soak up most of the file whatever the server does, so the memory
// bound that tells backpressure from buffering is checked over a Unix socket,
// whose buffers are a few hundred KiB; TCP checks the same download end to end.
for (const transport of ['unix', 'tcp'] as const) {
  test(`a 50 MiB file streams to a slow reader with bounded server memory (${transport})`, async (t) => {
    const { sha256 } = large;
    const child = await startChildServer(t, base, {
      nodeArgs: ['--expose-gc'],
      socketPath: transport === 'unix' ? path.join(base, `portico-${process.pid}.sock`) : undefined,
    });
    const baseline = JSON.parse(await child.getText('/_memory')) as Memory;
    const run = await slowDownload(child);
    t.regex(run.head, /^HTTP\/1\.1 200 /);
    t.true(run.head.toLowerCase().includes(`content-length: ${50 * MiB}\r\n`));
    t.is(run.bodyBytes, 50 * MiB);
    t.is(run.sha256, sha256);
    t.true(run.stalls >= 6, `the reader stalled ${run.stalls} times`);
    t.true(run.elapsed >= run.stalls * 400);
    const live = Math.max(...run.samples.map((m) => m.arrayBuffers)) - baseline.arrayBuffers;
    const rss = Math.max(...run.samples.map((m) => m.rss)) - baseline.rss;
    t.log(`while stalled: live buffers +${(live / MiB).toFixed(2)} MiB, RSS +${(rss / MiB).toFixed(1)} MiB (baseline ${(baseline.rss / MiB).toFixed(1)} MiB)`);
    // RSS also counts garbage the allocator keeps, so its bound is loose; live buffers are what the server holds.
    t.true(rss < 32 * MiB, `RSS grew by ${(rss / MiB).toFixed(1)} MiB`);
    // Buffering would hold ~50 MiB; backpressure holds a chunk or two of 64 KiB (over TCP, more may
    // be in flight when the sample is taken, while the kernel is still taking bytes).
    const bound = transport === 'unix' ? 2 * MiB : 16 * MiB;
    t.true(live < bound, `live buffers grew by ${(live / MiB).toFixed(2)} MiB`);
  });
}

test('aborted downloads leave no descriptor open', async (t) => {
  makeLargeFile('abort.bin', 8);
  const child = await startChildServer(t, base);
  const fds = async () => Number(await child.getText('/_fds'));
  const before = await fds();
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(child.port, '127.0.0.1', () => socket.write('GET /abort.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => resolve());
    });
  }
  // Multipart responses open the file once for all parts; abort those too.
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(child.port, '127.0.0.1', () =>
        socket.write('GET /abort.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3000000,4000000-8000000\r\n\r\n'),
      );
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => resolve());
    });
  }
  let after = await fds();
  for (let i = 0; i < 50 && after > before; i++) {
    await sleep(100);
    after = await fds();
  }
  t.is(after, before);
  // And the server still answers.
  const res = await request(`http://127.0.0.1:${child.port}/abort.bin`, { headers: { range: 'bytes=0-3' } });
  t.is(res.statusCode, 206);
  t.is((await res.body.arrayBuffer()).byteLength, 4);
});

test('a file that shrinks while it is sent cuts the connection and logs the mount', async (t) => {
  const { file } = makeLargeFile('shrinking.bin', 32);
  const { port, errors } = await startServer(t, { mounts: { '/files': staticApp({ root: base }) } });
  const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /files/shrinking.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
  let received = 0;
  let truncated = false;
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (!truncated) {
      truncated = true;
      socket.pause();
      setTimeout(() => {
        fs.truncateSync(file, 10);
        socket.resume();
      }, 300);
    }
  });
  await closed;
  t.true(received < 32 * MiB, `received ${received} bytes`);
  t.true(errors.some((e) => e.includes('"mount":"/files"') && e.includes('shrank')), errors.join('\n'));
});

test('a client that leaves mid-file is not an error, and the connection slot is freed', async (t) => {
  makeLargeFile('leave.bin', 4);
  const { port, url, errors } = await startServer(t, { mounts: { '/': staticApp({ root: base }) } });
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /leave.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
  });
  await sleep(200);
  const res = await request(url + '/leave.bin', { headers: { range: 'bytes=-4' } });
  t.is(res.statusCode, 206);
  await res.body.arrayBuffer();
  t.deepEqual(errors, []);
});
