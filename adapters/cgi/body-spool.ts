// Spooling a request body of unknown length (chunked) before the program
// starts, so CONTENT_LENGTH can be set (lighttpd and nginx do the same: php-cgi
// reads no POST without it). Small bodies stay in memory; past a threshold the
// body goes to a temporary file that is unlinked the moment it is created, so
// it disappears with its last descriptor even if Portico is killed. The
// program then reads the file directly as its stdin (the descriptor is handed
// over, no copy through Node). Writes are positional (pwrite), leaving the
// shared file offset at 0 for the program. The spool is bounded (413 past it).

import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BodyStream } from '../env.js';
import { CgiError } from './cgi-error.js';

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

/** Reads the whole body into a spool; throws CgiError 413 past the limit, or the body's own error. */
export const spoolBody = async (body: BodyStream, limits: SpoolLimits): Promise<Spool> => {
  const parts: Buffer[] = [];
  let length = 0;
  let file: fs.FileHandle | null = null;
  try {
    for await (const chunk of body) {
      length += chunk.length;
      if (length > limits.maxBytes) throw new CgiError('ERR_CGI_BODY_TOO_LARGE', `Request body exceeds ${limits.maxBytes} bytes`);
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
