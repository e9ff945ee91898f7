// Streams a Response body to the client. Each chunk is written as soon as the
// stream yields it (the engine flushes once per event-loop turn), so Server-Sent
// Events are never held back; when write() reports a full socket the next read
// waits for the drain, so a slow client slows the producer's pulls. A client
// that leaves cancels the stream at once, even while a read is pending.
//
// A body of unknown length whose stream ends right after its first chunk is
// sent whole, with Content-Length (RFC 9112 §6.3), instead of chunked: "right
// after" means the second read settled within a few microtasks, so a stream
// that is still producing is never waited for. Otherwise the engine frames the
// body: chunked for HTTP/1.1, delimited by the close for HTTP/1.0.

import type { Responder } from '../env.js';
import { drained } from '../respond.js';
import { FetchAdapterError } from './errors.js';

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

const ignore = (): void => {};

const checkChunk = (value: unknown): Uint8Array => {
  if (value instanceof Uint8Array) return value;
  throw new FetchAdapterError('ERR_BAD_BODY_CHUNK', `Response body streams must yield Uint8Array chunks, got ${typeof value}`);
};

/** The result of `read` if it settles within a few microtasks, else undefined. */
const settledSoon = async (read: Promise<ReadResult>): Promise<ReadResult | undefined> => {
  let result: ReadResult | undefined;
  read.then((r) => (result = r), ignore);
  for (let i = 0; i < 4 && result === undefined; i++) await undefined;
  return result;
};

/** Pumps `stream` into `res`; `lengthKnown` when the head already declares the length. */
export const pumpBody = async (res: Responder, stream: ReadableStream<Uint8Array>, lengthKnown: boolean): Promise<void> => {
  const reader = stream.getReader();
  res.onClose((err) => {
    if (err !== undefined) reader.cancel(err).catch(ignore);
  });
  try {
    let r = await reader.read();
    if (!lengthKnown && !r.done) {
      const first = checkChunk(r.value);
      const next = reader.read();
      const early = await settledSoon(next);
      if (res.aborted) return;
      if (early?.done === true) return res.end(first);
      if (!res.write(first)) await drained(res);
      r = early ?? (await next);
    }
    while (!r.done) {
      if (res.aborted) return;
      if (!res.write(checkChunk(r.value))) await drained(res);
      if (res.aborted) return;
      r = await reader.read();
    }
    if (!res.aborted) res.end();
  } catch (err) {
    reader.cancel(err).catch(ignore);
    throw err;
  }
};
