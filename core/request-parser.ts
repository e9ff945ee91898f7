// The incremental request parser: bytes in (`push`), events out (`next`), no I/O,
// in the manner of h11. Any split of the input gives the same events.
//
// The head is scanned line by line with Buffer#indexOf for LF, checking each LF
// follows a CR (a bare LF or CR is a 400: lenient line endings are how parsers
// disagree). Lines are parsed once the empty line arrives; the request line is
// checked as soon as it is complete so an over-long line is a 414 early. After a
// message ends the parser stops (`next` returns null) until `nextMessage()`:
// pipelined bytes stay buffered while the previous request is being served.

import { HttpError, badRequest, bodyTooLarge } from './errors.js';
import { CR, LF, SP, TARGET_CHAR, TCHAR, latin1 } from './chars.js';
import { type FieldLine, parseFieldLine } from './field-line.js';
import { type HeaderMap, addHeader, newHeaderMap } from './headers.js';
import { type BodyFraming, requestFraming, hasToken } from './framing.js';
import { type ParsedTarget, isValidAuthority, parseTarget } from './target.js';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { Limits } from './limits.js';

export interface RequestHead {
  method: string;
  /** The request-target exactly as received. */
  target: string;
  /** The target's form and, for absolute-form, its authority and origin-form part. */
  parsedTarget: ParsedTarget;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and higher 1.x minors, RFC 9112 §2.3). */
  versionMinor: 0 | 1;
  headers: HeaderMap;
  rawHeaders: string[];
  /** The effective authority: the absolute-form target's, else Host's ('' when absent in 1.0). */
  authority: string;
  bodyFraming: BodyFraming;
  /** Declared body length, 0 for none, -1 for chunked. */
  contentLength: number;
  expectContinue: boolean;
  /** Connection: upgrade together with an Upgrade field. */
  upgrade: boolean;
}

export type ParserEvent =
  | { type: 'head'; head: RequestHead }
  | { type: 'data'; chunk: Buffer }
  | { type: 'end'; trailers: HeaderMap | null; rawTrailers: string[] | null };

const enum State {
  Head,
  BodyLength,
  BodyChunked,
  /** A message ended; waiting for nextMessage(). */
  Between,
}

const EMPTY = Buffer.alloc(0);
const MAX_LEADING_EMPTY_LINES = 8;

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private state = State.Head;
  /** Head scan progress, relative to `pos`: where the current line starts, and the line ends seen. */
  private lineStart = 0;
  private lineEnds: number[] = [];
  private leadingEmptyLines = 0;
  private remaining = 0;
  private bodyBytes = 0;
  private chunked: ChunkedDecoder | null = null;
  private readonly field: FieldLine = { name: '', value: '' };
  /** The request line of the head being read, parsed once its CRLF arrived. */
  private method = '';
  private target = '';
  private versionMinor: 0 | 1 = 1;
  /** Body limit for the current message; the server may lower it per request (limitBody). */
  private bodyLimit: number;
  /** The current message's declared body length (0 for none, -1 for chunked). */
  private declaredLength = 0;

  /**
   * `passExpectations`: a request with an Expect other than 100-continue is read as
   * any other, for the handler to answer (a node server's app: node:http's
   * 'checkExpectation'), instead of the 417 thrown here.
   */
  constructor(
    private readonly limits: Limits,
    private readonly passExpectations = false,
  ) {
    this.bodyLimit = limits.maxBodyBytes;
  }

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /** Bytes received but not yet handed out as events. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** True when part of a request head has arrived but not all of it. */
  get inHead(): boolean {
    return this.state === State.Head && this.buffered > 0;
  }

  get betweenMessages(): boolean {
    return this.state === State.Between;
  }

  /** Gives up the unparsed bytes (for a connection taken over after an upgrade). */
  takeBuffered(): Buffer {
    const rest = this.buf.subarray(this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    return rest;
  }

  /**
   * Lowers the body limit of the current message (RequestBody.limit: a mount's
   * limit, known once its head is routed, or an adapter's spool bound). Throws the
   * 413 when its declared length is already over it; a chunked body is held to it
   * as it is decoded.
   */
  limitBody(max: number): void {
    if (max < this.bodyLimit) this.bodyLimit = max;
    if (this.declaredLength > this.bodyLimit) throw bodyTooLarge();
  }

  /** Allows the next pipelined message to be parsed. */
  nextMessage(): void {
    this.state = State.Head;
    this.bodyLimit = this.limits.maxBodyBytes;
  }

  /** The next event, or null when more bytes are needed (or between messages). Throws HttpError. */
  next(): ParserEvent | null {
    switch (this.state) {
      case State.Head:
        return this.parseHead();
      case State.BodyLength: {
        if (this.remaining === 0) return this.endBody(null, null);
        const available = this.buf.length - this.pos;
        if (available === 0) return null;
        const n = Math.min(available, this.remaining);
        const chunk = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        this.remaining -= n;
        return { type: 'data', chunk };
      }
      case State.BodyChunked:
        return this.decodeChunked();
      case State.Between:
        return null;
    }
  }

  /** Called when the body of the current message is fully delivered. */
  private endBody(trailers: HeaderMap | null, rawTrailers: string[] | null): ParserEvent {
    this.state = State.Between;
    this.chunked = null;
    return { type: 'end', trailers, rawTrailers };
  }

  private decodeChunked(): ParserEvent | null {
    const decoder = this.chunked!;
    while (this.pos < this.buf.length) {
      this.pos = decoder.decode(this.buf, this.pos, this.buf.length);
      if (decoder.data !== null) {
        this.bodyBytes += decoder.data.length;
        if (this.bodyBytes > this.bodyLimit) throw bodyTooLarge();
        return { type: 'data', chunk: decoder.data };
      }
      if (decoder.done) return this.endBody(decoder.trailers, decoder.rawTrailers);
    }
    return null;
  }

  private parseHead(): ParserEvent | null {
    if (this.pos === this.buf.length && this.buf !== EMPTY) {
      // All consumed: drop the last read's buffer rather than hold it while idle.
      this.buf = EMPTY;
      this.pos = 0;
    }
    const buf = this.buf;
    const end = buf.length;
    // Skip empty lines before the request line (RFC 9112 §2.2), a bounded number.
    while (this.lineStart === 0 && end - this.pos >= 2 && buf[this.pos] === CR && buf[this.pos + 1] === LF) {
      if (++this.leadingEmptyLines > MAX_LEADING_EMPTY_LINES) {
        throw badRequest('ERR_BAD_REQUEST_LINE', 'Too many empty lines before the request line');
      }
      this.pos += 2;
    }
    const base = this.pos;
    let from = base + this.lineStart;
    for (;;) {
      const lf = buf.indexOf(LF, from);
      if (lf === -1) break;
      if (lf === base + this.lineStart || buf[lf - 1] !== CR) {
        throw badRequest('ERR_BAD_LINE_ENDING', 'Bare LF in request head');
      }
      const lineEnd = lf - 1 - base; // relative, excluding CR
      if (this.lineEnds.length === 0) {
        if (lineEnd > this.limits.maxRequestLineBytes) throw uriTooLong();
        // Checked as soon as it is complete: an HTTP/0.9 client ("GET /\r\n") or a
        // garbage line gets its 400/505 now, not a 408 once the head timeout expires.
        this.parseRequestLine(buf, base, base + lineEnd);
      } else if (lineEnd === this.lineStart) {
        // The empty line: the head is complete.
        const headEnd = lf + 1;
        const head = this.buildHead(buf, base);
        this.pos = headEnd;
        this.lineStart = 0;
        this.lineEnds.length = 0;
        this.leadingEmptyLines = 0;
        return { type: 'head', head };
      } else if (this.lineEnds.length >= this.limits.maxHeaderCount + 1) {
        throw new HttpError('ERR_TOO_MANY_HEADERS', 431, 'Too many header fields');
      }
      if (lf + 1 - base > this.limits.maxHeaderBytes) throw headerTooLarge();
      this.lineEnds.push(lineEnd);
      this.lineStart = lf + 1 - base;
      from = lf + 1;
    }
    // Incomplete: enforce the limits on what is here already.
    const pending = end - base;
    if (this.lineEnds.length === 0 && pending > this.limits.maxRequestLineBytes + 2) throw uriTooLong();
    if (pending > this.limits.maxHeaderBytes) throw headerTooLarge();
    return null;
  }

  /** Request line: method SP request-target SP HTTP-version (RFC 9112 §3); kept for buildHead. */
  private parseRequestLine(buf: Buffer, start: number, lineEnd: number): void {
    let i = start;
    while (i < lineEnd && TCHAR[buf[i]!] === 1) i++;
    if (i === start || buf[i] !== SP) {
      throw badRequest(i === start || i === lineEnd ? 'ERR_BAD_REQUEST_LINE' : 'ERR_BAD_METHOD', 'Invalid method or request line');
    }
    this.method = internMethod(buf, start, i);
    const targetStart = ++i;
    while (i < lineEnd && TARGET_CHAR[buf[i]!] === 1) i++;
    if (i === targetStart || i === lineEnd || buf[i] !== SP) {
      throw badRequest(i === lineEnd ? 'ERR_BAD_REQUEST_LINE' : 'ERR_BAD_TARGET', 'Invalid request target or request line');
    }
    this.target = latin1(buf, targetStart, i);
    this.versionMinor = parseVersion(buf, i + 1, lineEnd);
  }

  private buildHead(buf: Buffer, base: number): RequestHead {
    const lineEnds = this.lineEnds;
    const lineEnd = base + lineEnds[0]!;
    const method = this.method;
    const target = this.target;
    const versionMinor = this.versionMinor;

    const headers = newHeaderMap();
    const rawHeaders: string[] = [];
    const field = this.field;
    let hostLines = 0;
    let clLines = 0;
    let start = lineEnd + 2;
    for (let k = 1; k < lineEnds.length; k++) {
      const end = base + lineEnds[k]!;
      parseFieldLine(buf, start, end, field);
      const name = field.name;
      const lower = lowerName(name);
      rawHeaders.push(name, field.value);
      addHeader(headers, lower, field.value);
      if (lower === 'host') hostLines++;
      else if (lower === 'content-length') clLines++;
      start = end + 2;
    }

    const parsedTarget = parseTarget(method, target);
    // RFC 9112 §3.2: exactly one valid Host in HTTP/1.1; at most one in 1.0.
    const host = headers['host'];
    if (hostLines > 1) throw badRequest('ERR_BAD_HOST', 'Repeated Host header');
    if (host === undefined) {
      if (versionMinor === 1) throw badRequest('ERR_BAD_HOST', 'Missing Host header');
    } else if (!isValidAuthority(host)) {
      throw badRequest('ERR_BAD_HOST', 'Invalid Host header');
    }
    const framing = requestFraming(versionMinor, headers['transfer-encoding'], headers['content-length'], clLines, this.bodyLimit);
    const connection = headers['connection'];
    const expect = headers['expect'];
    let expectContinue = false;
    if (expect !== undefined) {
      if (expect.toLowerCase() === '100-continue') expectContinue = versionMinor === 1 && framing.kind !== 'none';
      else if (!this.passExpectations) throw new HttpError('ERR_EXPECTATION_FAILED', 417, 'Unsupported expectation');
    }
    const head: RequestHead = {
      method,
      target,
      parsedTarget,
      versionMinor,
      headers,
      rawHeaders,
      authority: parsedTarget.form === 'absolute' ? parsedTarget.authority : (host ?? ''),
      bodyFraming: framing.kind,
      contentLength: framing.length,
      expectContinue,
      upgrade: headers['upgrade'] !== undefined && hasToken(connection, 'upgrade'),
    };
    this.bodyBytes = 0;
    this.declaredLength = framing.length;
    if (framing.kind === 'length') {
      this.state = State.BodyLength;
      this.remaining = framing.length;
    } else if (framing.kind === 'chunked') {
      this.state = State.BodyChunked;
      this.chunked = new ChunkedDecoder(this.limits.maxChunkExtensionBytes, this.limits.maxTrailerBytes);
    } else {
      // No body: the next call ends the message.
      this.state = State.BodyLength;
      this.remaining = 0;
    }
    return head;
  }
}

const uriTooLong = (): HttpError => new HttpError('ERR_REQUEST_LINE_TOO_LONG', 414, 'Request line too long');
const headerTooLarge = (): HttpError => new HttpError('ERR_HEADER_TOO_LARGE', 431, 'Request header section too large');

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
const parseVersion = (buf: Buffer, start: number, end: number): 0 | 1 => {
  if (
    end - start !== 8 ||
    buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 ||
    buf[start + 3] !== 0x50 || buf[start + 4] !== 0x2f || buf[start + 6] !== 0x2e
  ) {
    throw badRequest('ERR_BAD_VERSION', 'Invalid HTTP version');
  }
  const major = buf[start + 5]! - 0x30;
  const minor = buf[start + 7]! - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) throw badRequest('ERR_BAD_VERSION', 'Invalid HTTP version');
  if (major !== 1) throw new HttpError('ERR_VERSION_NOT_SUPPORTED', 505, 'Only HTTP/1.x is supported');
  return minor === 0 ? 0 : 1;
};

// The common methods come back as constants, saving a string per request.
const internMethod = (buf: Buffer, start: number, end: number): string => {
  const n = end - start;
  const c = buf[start];
  if (n === 3 && c === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
  if (n === 4 && c === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53 && buf[start + 3] === 0x54) return 'POST';
  if (n === 4 && c === 0x48 && buf[start + 1] === 0x45 && buf[start + 2] === 0x41 && buf[start + 3] === 0x44) return 'HEAD';
  return latin1(buf, start, end);
};

const COMMON_NAMES = new Map<string, string>();
for (const name of [
  'Host', 'User-Agent', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Connection', 'Content-Length',
  'Content-Type', 'Cookie', 'Referer', 'Origin', 'Cache-Control', 'Transfer-Encoding', 'Authorization',
  'If-None-Match', 'If-Modified-Since', 'Upgrade', 'Expect', 'Range', 'Pragma',
]) {
  COMMON_NAMES.set(name, name.toLowerCase());
  COMMON_NAMES.set(name.toLowerCase(), name.toLowerCase());
}

const lowerName = (name: string): string => COMMON_NAMES.get(name) ?? name.toLowerCase();
