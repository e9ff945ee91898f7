// Backpressure, measured on a server in a child process (its RSS is the
// server's alone): a 200 MiB streamed response read by a deliberately slow
// client keeps the server's RSS growth under 64 MiB, whether the app writes
// through the responder (write()/onDrain) or returns an async iterable.

import test from 'ava';
import net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./backpressure-server.js', import.meta.url));
const MiB = 1024 * 1024;

interface Child {
  port: number;
  ask<T>(cmd: string): Promise<T>;
  stop(): Promise<void>;
}

const startChild = (): Promise<Child> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('message', (msg: { port: number }) => {
      resolve({
        port: msg.port,
        ask: <T>(cmd: string) =>
          new Promise<T>((res) => {
            child.once('message', (m) => res(m as T));
            child.send({ cmd });
          }),
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              res();
            });
            child.send({ cmd: 'stop' });
          }),
      });
    });
  });

/** GETs `path` and reads the answer slowly: a pause after every chunk. Resolves with the byte count. */
const slowRead = (port: number, path: string, pauseMs: number): Promise<{ bytes: number; tail: string; head: string }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let bytes = 0;
    let head = '';
    let tail = '';
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      if (bytes === 0) head = chunk.subarray(0, 300).toString('latin1');
      bytes += chunk.length;
      tail = (tail + chunk.subarray(-16).toString('latin1')).slice(-16);
      socket.pause();
      setTimeout(() => socket.resume(), pauseMs);
    });
    socket.on('end', () => resolve({ bytes, tail, head }));
    socket.on('error', reject);
  });

let child: Child;
test.before(async () => {
  child = await startChild();
});
test.after.always(async () => {
  await child?.stop();
});

for (const kind of ['responder', 'iterable'] as const) {
  test.serial(`a 200 MiB ${kind} response to a slow client keeps the server's RSS growth under 64 MiB`, async (t) => {
    // Warm up the code paths, then measure from here.
    await slowRead(child.port, `/${kind}?mib=4`, 0);
    await child.ask('reset');
    const { bytes, head, tail } = await slowRead(child.port, `/${kind}?mib=200`, 1);
    const { baseline, peak } = await child.ask<{ baseline: number; peak: number }>('peak');
    const growth = peak - baseline;
    t.log(`${kind}: server RSS ${(baseline / MiB).toFixed(1)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB`);
    t.true(head.startsWith('HTTP/1.1 200 OK\r\n'));
    if (kind === 'responder') {
      const headLength = head.indexOf('\r\n\r\n') + 4;
      t.is(bytes - headLength, 200 * MiB, 'every byte arrived');
    } else {
      t.true(bytes > 200 * MiB);
      t.true(tail.endsWith('\r\n0\r\n\r\n'), 'the chunked body ended');
    }
    t.true(growth < 64 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
  });
}

test.serial('a request body the app never reads is not buffered by the server', async (t) => {
  await child.ask('reset');
  const socket = net.connect(child.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const total = 256 * MiB;
  socket.write(`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
  const piece = Buffer.alloc(MiB, 0x79);
  let written = 0;
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('close', () => resolve(text));
  });
  socket.on('error', () => {});
  // Write as fast as the socket takes it, for as long as the app sits on the body.
  while (written < total && !socket.destroyed) {
    const ok = socket.write(piece);
    written += piece.length;
    if (!ok) {
      const drained = await Promise.race([
        new Promise<boolean>((r) => socket.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
      ]);
      if (!drained) break;
    }
  }
  const text = await answer;
  const { baseline, peak, bodyReceived } = await child.ask<{ baseline: number; peak: number; bodyReceived: number }>('peak');
  t.log(`client wrote ${(written / MiB).toFixed(0)} MiB; the server took ${bodyReceived} bytes; RSS growth ${((peak - baseline) / MiB).toFixed(1)} MiB`);
  t.true(text.startsWith('HTTP/1.1 200 OK\r\n'));
  t.true(bodyReceived < MiB, 'the engine stopped reading the socket');
  t.true(written < total, 'the client was held back');
  t.true(peak - baseline < 32 * MiB);
});
