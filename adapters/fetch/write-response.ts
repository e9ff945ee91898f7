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
// drained. Returns a promise only when the body is streamed. A light Response
// (light-response.ts) that still only records its parts is sent from them.
// Under a stripped mount prefix, Location is put back below it (prefix-location.ts).

import { statusText } from '../../core/index.js';
import type { Responder } from '../env.js';
import type { HeadOptions } from '../../core/index.js';
import { FetchAdapterError } from './errors.js';
import { heldBody, knownLength } from './response-source.js';
import { pumpBody } from './body-pump.js';
import { LightResponse } from './light-response.js';
import { prefixLocationField } from './prefix-location.js';

/** The prefix left out of the URL the app saw, and that URL: for Location. */
export interface StrippedMount {
  prefix: string;
  url: string;
}

const ignore = (): void => {};

type Fields = ReadonlyArray<readonly [string, string]>;

const declaresLength = (fields: Fields): boolean => {
  for (let i = 0; i < fields.length; i++) if (fields[i]![0] === 'content-length') return true;
  return false;
};

const headOptions = (status: number, reason: string): HeadOptions | undefined =>
  reason === '' || reason === statusText(status) ? undefined : { reason };

/** Sends a complete body (or none) in one end(); HEAD with no body claims no length (GET's is unknown). */
const writeWhole = (res: Responder, status: number, fields: Fields, options: HeadOptions | undefined, body: string | Uint8Array | null, isHead: boolean): void => {
  // HEAD answered without a body (Hono drops GET's body for HEAD): GET's length is unknown, not 0.
  res.writeHead(status, fields, body === null && isHead && !declaresLength(fields) ? { ...options, length: 'unknown' } : options);
  if (body !== null) return res.end(body);
  res.end();
};

export const writeResponse = (res: Responder, response: Response, isHead: boolean, mount?: StrippedMount): void | Promise<void> => {
  if (LightResponse.is(response)) {
    const body = LightResponse.heldBody(response);
    if (body !== undefined) {
      const status = LightResponse.heldStatus(response);
      let fields = LightResponse.heldFields(response);
      if (mount !== undefined) fields = prefixLocationField(fields, mount.prefix, mount.url);
      return writeWhole(res, status, fields, headOptions(status, LightResponse.heldStatusText(response)), body, isHead);
    }
    response = LightResponse.real(response);
  }
  const status = response.status;
  if (status === 0) throw new FetchAdapterError('ERR_ERROR_RESPONSE', 'The handler returned Response.error()');
  let fields: Array<readonly [string, string]> = [];
  let lengthDeclared = false;
  for (const pair of response.headers) {
    if (pair[0] === 'content-length') lengthDeclared = true;
    fields.push(pair);
  }
  if (mount !== undefined) fields = prefixLocationField(fields, mount.prefix, mount.url) as Array<readonly [string, string]>;
  const options = headOptions(status, response.statusText);
  const held = heldBody(response);
  if (held !== undefined) return writeWhole(res, status, fields, options, held, isHead);
  const stream = response.body;
  if (stream === null) return writeWhole(res, status, fields, options, null, isHead);
  if (response.bodyUsed || stream.locked) {
    throw new FetchAdapterError('ERR_RESPONSE_BODY_USED', 'The Response body was already read or is locked');
  }
  const length = lengthDeclared ? -1 : knownLength(response);
  if (length >= 0) fields.push(['content-length', String(length)]);
  // A HEAD whose GET would be chunked says so (RFC 9110 §9.3.2) rather than Content-Length: 0.
  res.writeHead(status, fields, isHead && length < 0 && !lengthDeclared ? { ...options, length: 'unknown' } : options);
  if (isHead) {
    stream.cancel().catch(ignore);
    res.end();
    return;
  }
  return pumpBody(res, stream, lengthDeclared || length >= 0);
};
