// Writes an AppResponse through a Responder. Complete bodies go out in one
// end() (so the engine frames them with Content-Length); streamed bodies are
// pulled one part at a time, waiting for the socket to drain whenever write()
// says it is full, so a fast producer never outruns a slow client. A client
// that leaves stops the pulling and cancels the source.

import { HttpError } from '../core/index.js';
import type { AppResponse, Chunk, Responder, ResponseBody } from './env.js';

export const drained = (res: Responder): Promise<void> =>
  new Promise((resolve) => res.onDrain(resolve));

export const sendResponse = async (res: Responder, answer: AppResponse): Promise<void> => {
  res.writeHead(answer.status, answer.headers);
  await sendBody(res, answer.body, answer);
};

const sendBody = async (res: Responder, body: ResponseBody, answer: AppResponse): Promise<void> => {
  if (body === null || body === undefined) return res.end(undefined, answer.trailers);
  if (typeof body === 'string' || body instanceof Uint8Array) return res.end(body, answer.trailers);
  if (isReadableStream(body)) return pumpReader(res, body.getReader(), answer);
  if (typeof body === 'object' && Symbol.asyncIterator in body) return pumpIterable(res, body, answer);
  // The validator reports it as 'response.body'; unvalidated, it is the app's failure (a 500).
  throw new HttpError<'ERR_BAD_RESPONSE_BODY'>('ERR_BAD_RESPONSE_BODY', 500, 'Unsupported response body type');
};

const isReadableStream = (body: object): body is ReadableStream<Uint8Array> =>
  typeof (body as ReadableStream).getReader === 'function';

const pumpReader = async (res: Responder, reader: ReadableStreamDefaultReader<Uint8Array>, answer: AppResponse): Promise<void> => {
  try {
    for (;;) {
      if (res.aborted) {
        await reader.cancel(res.signal.reason);
        return;
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value) && !res.aborted) await drained(res);
    }
  } catch (err) {
    reader.cancel(err).catch(() => {});
    throw err;
  }
  if (!res.aborted) res.end(undefined, answer.trailers);
};

const pumpIterable = async (res: Responder, body: AsyncIterable<Chunk>, answer: AppResponse): Promise<void> => {
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (res.aborted) {
        await it.return?.();
        return;
      }
      const { done, value } = await it.next();
      if (done) break;
      if (!res.write(value) && !res.aborted) await drained(res);
    }
  } catch (err) {
    await it.return?.().catch?.(() => {});
    throw err;
  }
  if (!res.aborted) res.end(undefined, answer.trailers);
};
