// Spooling a request body of unknown length (chunked) before the program
// starts, so CONTENT_LENGTH can be set (lighttpd and nginx do the same: php-cgi
// reads no POST without it). Small bodies stay in memory; past a threshold the
// body goes to a temporary file that is unlinked the moment it is created, so
// it disappears with its last descriptor even if Portico is killed. The
// program then reads the file directly as its stdin (the descriptor is handed
// over, no copy through Node). Writes are positional (pwrite), leaving the
// shared file offset at 0 for the program. The spool is bounded: the bound is
// handed to the body (BodyStream.limit), so a body past it is the server's one
// 413, which also settles whether the connection is kept; on an env made
// elsewhere, whose body has no limit(), the spool counts and throws that same
// error itself.

import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bodyTooLarge } from '../../core/index.js';
import type { BodyStream } from '../env.js';

export interface Spool {
  length: number;
  /** The body, when it stayed in memory. */
  buffer: Buffer | null;
  /** The open, already unlinked spool file, when it did not. */
  file: fs.FileHandle | null;
}

export interface SpoolLimits {
  maxBytes: number;
  memoryBytes: number;
  tmpDir: string;
}

const openUnlinked = async (tmpDir: string): Promise<fs.FileHandle> => {
  const path = join(tmpDir, `portico-cgi-${process.pid}-${randomBytes(8).toString('hex')}`);
  const file = await fs.open(path, 'wx+', 0o600);
  try {
    await fs.unlink(path);
  } catch (err) {
    await file.close();
    throw err;
  }
  return file;
};

/**
 * Reads the whole body into a spool. Past the limit it throws (or the body fails
 * with) the 413 HttpError ERR_BODY_TOO_LARGE; the body's own errors pass through.
 */
export const spoolBody = async (body: BodyStream, limits: SpoolLimits): Promise<Spool> => {
  const parts: Buffer[] = [];
  let length = 0;
  let file: fs.FileHandle | null = null;
  // The body is held to the bound by the server when it can be; otherwise this loop counts.
  let counted = limits.maxBytes;
  if (typeof body.limit === 'function') {
    body.limit(limits.maxBytes);
    counted = Number.POSITIVE_INFINITY;
  }
  try {
    for await (const chunk of body) {
      length += chunk.length;
      if (length > counted) throw bodyTooLarge();
      if (file === null) {
        parts.push(chunk);
        if (length <= limits.memoryBytes) continue;
        file = await openUnlinked(limits.tmpDir);
        await writeAll(file, Buffer.concat(parts, length), 0);
        parts.length = 0;
      } else {
        await writeAll(file, chunk, length - chunk.length);
      }
    }
  } catch (err) {
    await file?.close();
    throw err;
  }
  if (file !== null) return { length, buffer: null, file };
  return { length, buffer: parts.length === 1 ? parts[0]! : Buffer.concat(parts, length), file: null };
};

const writeAll = async (file: fs.FileHandle, data: Buffer, position: number): Promise<void> => {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
};
