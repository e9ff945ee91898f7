// Sends the Response a Fetch handler returned through the responder: status,
// reason phrase (the Response's statusText when it is not the standard one),
// fields (several Set-Cookie stay separate lines: iterating Headers yields each
// on its own, as getSetCookie() does) and the body.
//
// Bodies, by what the Response holds (response-source.ts): none → an empty
// response with Content-Length: 0; a string or bytes → one end(), framed with
// Content-Length, synchronously; a Blob, FormData or URLSearchParams → a declared
// Content-Length, then streamed; a ReadableStream → streamed (body-pump.ts).
// HEAD gets the head GET would get and no body; its stream is cancelled, never
// drained. Returns a promise only when the body is streamed.

import { statusText } from '../../core/index.js';
import type { Responder } from '../env.js';
import type { HeadOptions } from '../../core/index.js';
import { FetchAdapterError } from './errors.js';
import { heldBody, knownLength } from './response-source.js';
import { pumpBody } from './body-pump.js';

const ignore = (): void => {};
const EMPTY = new Uint8Array(0);

export const writeResponse = (res: Responder, response: Response, isHead: boolean): void | Promise<void> => {
  const status = response.status;
  if (status === 0) throw new FetchAdapterError('ERR_ERROR_RESPONSE', 'The handler returned Response.error()');
  const fields: Array<[string, string]> = [];
  let declaresLength = false;
  for (const pair of response.headers) {
    if (pair[0] === 'content-length') declaresLength = true;
    fields.push(pair);
  }
  const reason = response.statusText;
  const options: HeadOptions | undefined = reason === '' || reason === statusText(status) ? undefined : { reason };
  const held = heldBody(response);
  if (held !== undefined && held !== null) {
    res.writeHead(status, fields, options);
    res.end(held);
    return;
  }
  const stream = response.body;
  if (stream === null) {
    res.writeHead(status, fields, options);
    // HEAD answered without a body (Hono drops GET's body for HEAD): GET's length is unknown, not 0.
    if (isHead && !declaresLength) res.write(EMPTY);
    res.end();
    return;
  }
  if (response.bodyUsed || stream.locked) {
    throw new FetchAdapterError('ERR_RESPONSE_BODY_USED', 'The Response body was already read or is locked');
  }
  const length = declaresLength ? -1 : knownLength(response);
  if (length >= 0) fields.push(['content-length', String(length)]);
  res.writeHead(status, fields, options);
  if (isHead) {
    stream.cancel().catch(ignore);
    // An empty write starts the head without a length, so a HEAD whose GET would
    // be chunked says so (RFC 9110 §9.3.2) rather than Content-Length: 0.
    if (length < 0 && !declaresLength) res.write(EMPTY);
    res.end();
    return;
  }
  return pumpBody(res, stream, declaresLength || length >= 0);
};
