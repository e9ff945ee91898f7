// File bytes to the responder, with backpressure. A read loop over a file
// descriptor (positional reads, so several ranges share one open file) writes
// each chunk and, when write() says the client is behind, waits for onDrain
// before going on; the next chunk is read while the socket drains, so disk and
// network overlap while memory stays bounded by two chunks per response. A
// client that leaves stops the loop (the engine wakes drain waiters on close). A
// file that shrinks under us ends in an error, which the gateway turns into a
// cut connection: the client sees a short body, never a complete-looking wrong one.

import { HttpError } from '../../core/index.js';
import type { Responder } from '../env.js';
import { drained } from '../respond.js';
import { readAt } from './fs-calls.js';

/**
 * Read size. Each chunk is a fresh buffer (the socket may still hold the last
 * one); at 128 KiB they crossed glibc's mmap threshold and every chunk cost page
 * faults: measured, 1 MiB responses took ~1.5× the system time of 64 KiB reads.
 */
export const CHUNK_BYTES = 64 * 1024;

/** The file changed size while it was sent: the response is cut (500 had nothing gone out). */
export class FileChangedError extends HttpError<'ERR_STATIC_FILE_CHANGED'> {
  override readonly name = 'FileChangedError';
  constructor(message: string) {
    super('ERR_STATIC_FILE_CHANGED', 500, message);
  }
}

const noop = (): void => {};

const shrank = (): FileChangedError => new FileChangedError('File shrank while it was being sent');

/** `length` bytes from `position`, in one buffer; fails if the file has fewer. */
export const readExactly = async (fd: number, position: number, length: number): Promise<Buffer> => {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = await readAt(fd, buffer, done, length - done, position + done);
    if (n === 0) throw shrank();
    done += n;
  }
  return buffer;
};

const readChunk = async (fd: number, position: number, length: number): Promise<Buffer> => {
  const buffer = Buffer.allocUnsafe(length);
  const n = await readAt(fd, buffer, 0, length, position);
  if (n === 0) throw shrank();
  return n === length ? buffer : buffer.subarray(0, n);
};

/** Writes bytes `start`..`end` (inclusive) of the file; resolves when written or when the client left. */
export const pipeRange = async (res: Responder, fd: number, start: number, end: number): Promise<void> => {
  const stop = end + 1;
  let position = start;
  let pending: Promise<Buffer> | null = position < stop ? readChunk(fd, position, Math.min(CHUNK_BYTES, stop - position)) : null;
  try {
    while (pending !== null) {
      const chunk = await pending;
      pending = null;
      position += chunk.length;
      if (res.aborted) return;
      const more = res.write(chunk);
      if (position < stop) {
        pending = readChunk(fd, position, Math.min(CHUNK_BYTES, stop - position));
        // Handled here so a failure while we wait for drain is not "unhandled"; awaited above.
        pending.catch(noop);
      }
      if (!more && !res.aborted) await drained(res);
    }
  } finally {
    // Never leave a read running on a descriptor the caller is about to close.
    if (pending !== null) await pending.catch(noop);
  }
};
