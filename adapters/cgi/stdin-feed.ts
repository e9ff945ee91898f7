// The program's stdin. A streamed body is fed through RequestBody.flow(): each
// chunk is written to the pipe, and when the pipe is full the body pauses (so
// Portico stops reading the client) until the pipe drains. stdout and stderr
// are read independently of this, so a program that writes before it reads
// cannot deadlock. A program that exits without reading makes the pipe fail
// (EPIPE): that is not an error of the exchange; the rest of the body is
// discarded and the response goes on. A spooled body in memory is written in one go.

import type { Writable } from 'node:stream';
import type { BodyStream } from '../env.js';

/** Feeds `body` to `stdin`; `progress` is called per chunk, `failed` when the body breaks (client gone, limit). */
export const feedStream = (body: BodyStream, stdin: Writable, progress: () => void, failed: (err: Error) => void): void => {
  let broken = false;
  stdin.on('drain', () => body.resume());
  stdin.on('error', () => {
    broken = true;
    body.resume();
  });
  body.flow({
    data(chunk) {
      if (broken) return true;
      progress();
      return stdin.write(chunk);
    },
    end(err) {
      if (err !== undefined) {
        stdin.destroy();
        failed(err);
      } else if (!broken) stdin.end();
    },
  });
};

/** Writes a spooled body held in memory, then closes stdin. */
export const feedBuffer = (buffer: Buffer, stdin: Writable): void => {
  stdin.on('error', () => {}); // EPIPE: the program did not want it
  stdin.end(buffer);
};
