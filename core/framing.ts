// Every framing decision of the engine, in one place, cited to RFC 9112.
//
// Requests (§6.3): Transfer-Encoding wins over Content-Length, but the two
// together are rejected outright (400, then close) because an intermediary may
// have picked the other one (request smuggling). Chunked must be the final
// coding and appear once; other codings are not implemented (501).
//
// Responses follow the Kamaelia HTTPServer's rule, decided when the first part
// of the body is known: a declared or knowable length gets Content-Length, else
// an HTTP/1.1 client gets chunked, else the connection's close ends the body.

import { HttpError, badRequest } from './errors.js';

export type BodyFraming = 'none' | 'length' | 'chunked';

export interface RequestFraming {
  kind: BodyFraming;
  /** Declared length for 'length', 0 for 'none', -1 for 'chunked'. */
  length: number;
}

const NO_BODY: RequestFraming = { kind: 'none', length: 0 };
const CHUNKED: RequestFraming = { kind: 'chunked', length: -1 };

/** Largest Content-Length we parse exactly; longer values are over any body limit. */
const MAX_LENGTH_DIGITS = 15;

/**
 * Decides how the request body is delimited (RFC 9112 §6.1, §6.3).
 * `te` and `cl` are the combined field values (undefined when absent);
 * `clLines` counts Content-Length field lines.
 */
export const requestFraming = (
  versionMinor: number,
  te: string | undefined,
  cl: string | undefined,
  clLines: number,
  maxBodyBytes: number,
): RequestFraming => {
  if (te !== undefined) {
    // §6.1: TE in an HTTP/1.0 message means the framing is faulty.
    if (versionMinor === 0) throw badRequest('ERR_BAD_TRANSFER_ENCODING', 'Transfer-Encoding in an HTTP/1.0 request');
    // §6.3 (3): TE and CL together: reject rather than guess (smuggling).
    if (cl !== undefined) throw badRequest('ERR_TE_AND_CONTENT_LENGTH', 'Both Transfer-Encoding and Content-Length');
    return parseTransferEncoding(te);
  }
  if (cl === undefined) return NO_BODY;
  // §6.3 (5): several or invalid values are unrecoverable errors. We also refuse
  // repeated identical values: the RFC allows merging them, smugglers love it.
  if (clLines > 1) throw badRequest('ERR_BAD_CONTENT_LENGTH', 'Repeated Content-Length');
  const n = cl.length;
  if (n === 0) throw badRequest('ERR_BAD_CONTENT_LENGTH', 'Empty Content-Length');
  for (let i = 0; i < n; i++) {
    const c = cl.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw badRequest('ERR_BAD_CONTENT_LENGTH', 'Content-Length is not a decimal number');
  }
  // Leading zeros do not count: "000…05" is 5 (RFC 9112 §6.2: 1*DIGIT).
  let first = 0;
  while (first < n - 1 && cl.charCodeAt(first) === 0x30) first++;
  const length = n - first > MAX_LENGTH_DIGITS ? Number.MAX_SAFE_INTEGER : Number(cl);
  if (length > maxBodyBytes) throw new HttpError('ERR_BODY_TOO_LARGE', 413, 'Request body exceeds the limit');
  return length === 0 ? NO_BODY : { kind: 'length', length };
};

const parseTransferEncoding = (te: string): RequestFraming => {
  const codings = te.split(',');
  let sawChunked = false;
  let last = '';
  let unsupported = '';
  for (const raw of codings) {
    const coding = trimOws(raw).toLowerCase();
    if (coding === '') continue; // RFC 9110 §5.6.1: empty list elements are ignored
    if (sawChunked) {
      // chunked must be final (§6.3 (4)) and applied once (§7)
      throw badRequest('ERR_BAD_TRANSFER_ENCODING', 'chunked is not the final transfer coding');
    }
    if (coding === 'chunked') sawChunked = true;
    else if (!unsupported) unsupported = coding;
    last = coding;
  }
  if (last !== 'chunked') throw badRequest('ERR_BAD_TRANSFER_ENCODING', 'Final transfer coding is not chunked');
  // §6.1: a transfer coding we do not understand: 501.
  if (unsupported) throw new HttpError('ERR_UNSUPPORTED_TRANSFER_CODING', 501, `Transfer coding "${unsupported}" is not supported`);
  return CHUNKED;
};

/** Strips OWS (SP and HTAB only, RFC 9110 §5.6.3): String#trim would also strip
 *  U+00A0 and others, so "\xa0chunked" would pass for "chunked". */
const trimOws = (s: string): string => {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
};

/** True when `list` (a Connection value) names `token`, case-insensitively (RFC 9110 §7.6.1). */
export const hasToken = (list: string | undefined, token: string): boolean => {
  if (list === undefined) return false;
  if (list.length === token.length) return list.toLowerCase() === token;
  for (const part of list.split(',')) if (trimOws(part).toLowerCase() === token) return true;
  return false;
};

/** RFC 9112 §9.3: persistence by version and the Connection field. */
export const requestWantsKeepAlive = (versionMinor: number, connection: string | undefined): boolean =>
  !hasToken(connection, 'close') && (versionMinor >= 1 || hasToken(connection, 'keep-alive'));

export type ResponseFraming = 'none' | 'length' | 'chunked' | 'close';

/** RFC 9110 §6.4.1: 1xx, 204 and 304 responses never carry content. */
export const statusHasNoBody = (status: number): boolean => status < 200 || status === 204 || status === 304;

/**
 * Chooses the response framing when the first body part (or the end) is known.
 * `knownLength` is the app's Content-Length or the length of a body complete at
 * its first write, else -1.
 */
export const responseFraming = (
  versionMinor: number,
  noBody: boolean,
  knownLength: number,
  wantsChunked: boolean,
  wantsClose: boolean,
): ResponseFraming => {
  if (noBody) return 'none';
  if (knownLength >= 0 && !wantsChunked) return 'length';
  if (versionMinor >= 1 && !wantsClose) return 'chunked';
  return 'close';
};
