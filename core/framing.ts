// Every framing decision of the engine, in one place, cited to RFC 9112.
//
// Requests (§6.3): Transfer-Encoding wins over Content-Length, but the two
// together are rejected outright (400, then close) because an intermediary may
// have picked the other one (request smuggling). Chunked must be the final
// coding and appear once; other codings are not implemented (501).
//
// Responses: decideResponse() takes one record (request, response, connection)
// when the first part of the body is known and returns the framing (Kamaelia
// HTTPServer's rule: a declared or knowable length gets Content-Length, else an
// HTTP/1.1 client gets chunked, else the connection's close ends the body), the
// framing and connection fields, and whether the connection persists (§9.3).
// afterResponse() says what follows a finished response: the next request, a
// drain of the unread body, or the close (§9.6).

import { HttpError, badRequest, bodyTooLarge } from './errors.js';

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
  if (length > maxBodyBytes) throw bodyTooLarge();
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
 * The unread rest of the request body when a response goes out: 'none' (it all
 * arrived, or there was none), 'reading' (the app is reading it: it will arrive),
 * 'drainable' (small enough to discard after the response, maxDrainBytes), or
 * 'undrainable' (larger, unknown, or the client waits for a 100 Continue that was
 * never sent, so nothing more will come).
 */
export type UnreadBody = 'none' | 'reading' | 'drainable' | 'undrainable';

/**
 * Everything a response's framing and the connection's persistence depend on, in
 * one record: the request's, the response's (what the app gave), and the
 * connection's side (the engine's). decideResponse() is the one place that reads it.
 */
export interface ResponseFramingInput {
  /** The request's HTTP/1.x minor version (the response is HTTP/1.1 either way, RFC 9110 §6.2). */
  versionMinor: 0 | 1;
  /** The request is HEAD: the fields its GET would get, no body (RFC 9110 §9.3.2). */
  isHead: boolean;
  /** The request's Connection field (undefined when absent): close, or keep-alive for HTTP/1.0. */
  requestConnection: string | undefined;
  status: number;
  /** The app's Content-Length, else -1. */
  declaredLength: number;
  /** How the body comes: the length of a body given whole with end() before any write,
   *  'none' for a bare end(), 'parts' when it is written in parts. */
  content: number | 'none' | 'parts';
  /** The app said the length is unknown even if the body comes whole (HeadOptions.length). */
  lengthUnknown: boolean;
  /** The app asked for chunked coding (Transfer-Encoding: chunked, or a Trailer field). */
  wantsChunked: boolean;
  /** The app asked for a close-delimited body (HeadOptions.framing 'close'). */
  closeDelimited: boolean;
  /** The app asked to close after this response (Connection: close among its fields). */
  appClose: boolean;
  /** Announce persistence as node:http does (HeadOptions.keepAlive): undefined for the
   *  RFC defaults, '' for Connection: keep-alive, else also Keep-Alive: <this>. */
  keepAlive: string | undefined;
  /** Requests read on the connection, this one included, and the most allowed (0: no limit). */
  requests: number;
  maxRequests: number;
  /** The engine ends the connection after this exchange: shutdown(), an error page. */
  closing: boolean;
  /** The unread rest of the request body. */
  unreadBody: UnreadBody;
}

export interface ResponseFramingDecision {
  /** How the body is delimited on the wire ('none': no body is sent). */
  body: ResponseFraming;
  /** The Content-Length the body must match, for 'length' (else -1). */
  length: number;
  /** The framing and connection fields to add to the head, each line ended by CRLF. */
  fields: string;
  /** The connection ends after this response (and the head says Connection: close). */
  close: boolean;
}

const CHUNKED_FIELD = 'Transfer-Encoding: chunked\r\n';

/**
 * Decides a response's framing and whether its connection persists, when its
 * first body part (or its end) is known. Kamaelia's rule: a declared or knowable
 * length gets Content-Length, else an HTTP/1.1 client gets chunked, else the
 * close ends the body (RFC 9112 §6.3, §7.1).
 */
export const decideResponse = (r: ResponseFramingInput): ResponseFramingDecision => {
  const v11 = r.versionMinor === 1;
  // The length the body will have: declared, else known from a body given whole.
  const length =
    r.declaredLength >= 0 ? r.declaredLength : r.lengthUnknown || r.content === 'parts' ? -1 : r.content === 'none' ? 0 : r.content;
  // The framing the body gets (for HEAD: the one its GET would get). An HTTP/1.0
  // client knows no chunked coding (RFC 9112 §6.1), so the app's wish is moot there.
  let framing: ResponseFraming;
  if (statusHasNoBody(r.status)) framing = 'none';
  else if (length >= 0 && !(r.wantsChunked && v11)) framing = 'length';
  else if (v11 && !r.closeDelimited) framing = 'chunked';
  else framing = 'close';
  let fields = '';
  if (r.isHead && r.content === 'none' && r.declaredLength < 0 && !r.lengthUnknown) {
    // A HEAD answered with a bare end() says nothing of its GET's length (as node:http).
  } else if (framing === 'length') fields = 'Content-Length: ' + length + '\r\n';
  else if (framing === 'chunked') fields = CHUNKED_FIELD;
  else if (r.status === 304 && r.declaredLength >= 0) {
    // RFC 9110 §8.6: a 304 may carry the length a 200 would have (never 1xx or 204).
    fields = 'Content-Length: ' + r.declaredLength + '\r\n';
  }
  const body = r.isHead ? 'none' : framing;
  // RFC 9112 §9.3, §9.6: the connection persists unless the client, the app, the
  // framing (a close-delimited body) or the engine ends it, or the rest of the
  // request body cannot be read past. A close the engine decides later (finished
  // response, unread body too large) is still announced here when it is known.
  const close =
    body === 'close' ||
    r.appClose ||
    r.closing ||
    !requestWantsKeepAlive(r.versionMinor, r.requestConnection) ||
    (r.maxRequests > 0 && r.requests >= r.maxRequests) ||
    r.unreadBody === 'undrainable';
  if (close) fields += 'Connection: close\r\n';
  else if (r.keepAlive !== undefined) {
    // node:http's habit, which its apps and clients see (RFC 9112 §9.3 makes persistence
    // HTTP/1.1's default, so Portico says nothing otherwise).
    fields += r.keepAlive === '' ? 'Connection: keep-alive\r\n' : 'Connection: keep-alive\r\nKeep-Alive: ' + r.keepAlive + '\r\n';
  } else if (!v11) {
    // RFC 9112 §9.3: an HTTP/1.0 client keeps the connection only when told so.
    fields += 'Connection: keep-alive\r\n';
  }
  return { body, length: body === 'length' ? length : -1, fields, close };
};

/**
 * What follows a finished response (RFC 9112 §9.3, §9.6): the next request ('next'),
 * discarding the unread rest of the body first ('drain'), or the close.
 */
export const afterResponse = (close: boolean, unread: UnreadBody): 'next' | 'drain' | 'close' => {
  if (close) return 'close';
  if (unread === 'none') return 'next';
  return unread === 'drainable' ? 'drain' : 'close';
};

/**
 * The unread rest of a request body, from what the engine knows of it: complete,
 * being read by the app, or left with `remaining` bytes to come (-1: unknown, chunked).
 * A client still waiting for 100 Continue sends nothing more: nothing can be drained.
 */
export const unreadBody = (
  complete: boolean,
  reading: boolean,
  remaining: number,
  awaitingContinue: boolean,
  maxDrainBytes: number,
): UnreadBody => {
  if (complete) return 'none';
  if (reading) return 'reading';
  if (awaitingContinue) return 'undrainable';
  return (remaining < 0 ? maxDrainBytes : remaining) <= maxDrainBytes ? 'drainable' : 'undrainable';
};
