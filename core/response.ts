// The response an app writes: head first (held until the first body part), then
// body parts, then the end. The framing is chosen when the first part or the end
// arrives (framing.ts), so `end(body)` with no prior write goes out with
// Content-Length in one write, while a response written in parts is chunked for
// HTTP/1.1 or delimited by close for HTTP/1.0. Writes go straight to the socket;
// `write` returns false when the socket's buffer is full and `onDrain` tells when
// to go on. A response that cannot be completed (app error after the head, a
// Content-Length shortfall) aborts the connection, so the client sees a truncated
// message, never one that looks complete.

import { HttpError, appError } from './errors.js';
import { isFieldValue, isToken } from './chars.js';
import { httpDate } from './http-date.js';
import { type ResponseFraming, type UnreadBody, decideResponse } from './framing.js';
import { type OutgoingHeaders, type ResponseHead, serializeHead } from './response-head.js';
import type { Socket } from 'node:net';

export type Chunk = Uint8Array | string;

/** What a response needs from its connection. */
export interface ResponseChannel {
  /** Queues bytes on the socket (strings as UTF-8, or latin1 for head text); false once the
   *  socket buffer is past its high-water mark. */
  send(data: Chunk, latin1?: boolean): boolean;
  /** The response is complete; `close` says the connection must end after it. */
  finished(res: OutgoingResponse, close: boolean): void;
  /** The response cannot complete: the connection is destroyed. */
  abort(res: OutgoingResponse, err: Error): void;
  /** The connection's side of the framing decision (framing.ts), as it stands when the head goes out:
   *  requests read on it (this one included), the most allowed (0: no limit), whether the engine
   *  ends it after this exchange, and the unread rest of the request body. */
  readonly requests: number;
  readonly maxRequests: number;
  readonly closing: boolean;
  readonly unreadBody: UnreadBody;
  /** Hands the socket over (upgrade, CONNECT, nph CGI); the engine forgets it. */
  detach(res: OutgoingResponse): { socket: Socket; head: Buffer };
  /** Sends 100 Continue now if the client waits for it and has not had it. */
  sendContinue(): void;
}

export interface HeadOptions {
  reason?: string;
  /** 'close' asks for a close-delimited body even for an HTTP/1.1 client. */
  framing?: 'close';
  /**
   * 'unknown': the length is not known even if the whole body comes with end(), so
   * it is chunked (or close-delimited); a HEAD response then says
   * Transfer-Encoding: chunked, as its GET would (RFC 9110 §9.3.2).
   */
  length?: 'unknown';
  /**
   * Announce persistence when the connection stays open, as node:http does (its apps
   * and clients see these fields): "Connection: keep-alive" and, unless this is "",
   * "Keep-Alive: <this>" (e.g. "timeout=5"). Without it an HTTP/1.1 response says
   * nothing (RFC 9112 §9.3 makes persistence the default) and an HTTP/1.0 one says
   * Connection: keep-alive. A response that closes says Connection: close either way.
   */
  keepAlive?: string;
}

const enum State {
  Idle,
  Streaming,
  Ended,
  Aborted,
  Detached,
}

const CRLF = '\r\n';

export class OutgoingResponse {
  /** Bytes of the heads sent so far (interim and final; latin1, one byte per character): the access log's $bytes_sent minus $body_bytes_sent. */
  headBytes = 0;
  private state = State.Idle;
  private head: ResponseHead | null = null;
  private framing: ResponseFraming = 'none';
  private remaining = -1;
  private closeAfter = false;
  private drainCallbacks: Array<() => void> | null = null;
  private closeCallbacks: Array<(err?: Error) => void> | null = null;
  private controller: AbortController | null = null;
  private abortReason: Error | null = null;
  private closeDelimited = false;
  private lengthUnknown = false;
  private keepAliveField: string | undefined = undefined;
  status = 200;

  constructor(
    private readonly channel: ResponseChannel,
    readonly versionMinor: 0 | 1,
    readonly isHead: boolean,
    /** The request's Connection field (close, keep-alive), for the persistence decision. */
    private readonly requestConnection: string | undefined,
  ) {}

  /** True once the status line and fields went out. */
  get headersSent(): boolean {
    return this.state !== State.Idle;
  }

  /** True once end() was called (or the response was aborted). */
  get ended(): boolean {
    return this.state >= State.Ended;
  }

  get aborted(): boolean {
    return this.state === State.Aborted;
  }

  /** Aborted when the client goes away before the response is complete. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      // Created lazily: a signal first asked for after the exchange died is born aborted.
      if (this.abortReason !== null) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Sets status and fields; they are sent with the first body part. Throws HttpError on invalid input. */
  writeHead(status: number, headers?: OutgoingHeaders, options?: HeadOptions): this {
    if (this.state !== State.Idle) throw appError('ERR_HEADERS_SENT', 'Response head was already sent');
    this.head = serializeHead(status, headers, options?.reason);
    this.status = status;
    const keepAlive = options?.keepAlive;
    if (keepAlive !== undefined && !isFieldValue(keepAlive)) throw appError('ERR_INVALID_HEADER', 'Invalid Keep-Alive value');
    this.closeDelimited = options?.framing === 'close';
    this.lengthUnknown = options?.length === 'unknown';
    this.keepAliveField = keepAlive;
    return this;
  }

  /** Sends a 1xx response (103 Early Hints, 100 Continue) ahead of the final one; HTTP/1.1 only. */
  writeInformational(status: number, headers?: OutgoingHeaders): void {
    if (this.state !== State.Idle) throw appError('ERR_HEADERS_SENT', 'Response head was already sent');
    if (status < 100 || status > 199 || status === 101) throw appError('ERR_INVALID_STATUS', 'Not an informational status');
    if (this.versionMinor === 0) return;
    // The connection knows whether the client waits for it and whether it was sent: never twice.
    if (status === 100) return this.channel.sendContinue();
    const text = serializeHead(status, headers).text + CRLF;
    this.headBytes += text.length;
    this.channel.send(text, true);
  }

  write(chunk: Chunk): boolean {
    if (this.state >= State.Ended) {
      if (this.state === State.Ended) throw appError('ERR_WRITE_AFTER_END', 'write() after end()');
      return false;
    }
    if (this.state === State.Idle) this.start('parts', null);
    return this.writeBody(chunk);
  }

  /** Ends the response, optionally with a last part and trailer fields (sent when chunked). */
  end(chunk?: Chunk, trailers?: OutgoingHeaders): void {
    if (this.state >= State.Ended) {
      if (this.state === State.Ended) throw appError('ERR_WRITE_AFTER_END', 'end() called twice');
      return;
    }
    if (this.state === State.Idle) {
      this.start(chunk === undefined ? 'none' : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength, chunk ?? null);
      if ((this.state as State) !== State.Streaming) return;
    } else if (chunk !== undefined && !this.writeBody(chunk) && this.state !== State.Streaming) {
      return;
    }
    this.finish(trailers);
  }

  /** Cuts the connection: the client sees a truncated response. */
  abort(err: Error = new HttpError('ERR_RESPONSE_ABORTED', 500, 'Response aborted')): void {
    if (this.state >= State.Ended) return;
    this.state = State.Aborted;
    this.channel.abort(this, err);
  }

  /** Takes the socket over, e.g. after writing a 101 head yourself. */
  detach(): { socket: Socket; head: Buffer } {
    if (this.state !== State.Idle) throw appError('ERR_HEADERS_SENT', 'Cannot detach after the response started');
    this.state = State.Detached;
    return this.channel.detach(this);
  }

  /** Calls `cb` once, when the socket can take more data. */
  onDrain(cb: () => void): void {
    (this.drainCallbacks ??= []).push(cb);
  }

  /** Calls `cb` once the exchange is over: without an error when the response completed. */
  onClose(cb: (err?: Error) => void): void {
    (this.closeCallbacks ??= []).push(cb);
  }

  // ---- connection side ----

  /** The socket drained. */
  drained(): void {
    const callbacks = this.drainCallbacks;
    if (callbacks === null) return;
    this.drainCallbacks = null;
    for (const cb of callbacks) cb();
  }

  /** The exchange ended: normally (no err) or because the connection died. */
  closed(err?: Error): void {
    if (err !== undefined) {
      if (this.state < State.Ended) this.state = State.Aborted;
      this.abortReason = err;
      this.controller?.abort(err);
      this.drained(); // wake writers so they notice
    }
    const callbacks = this.closeCallbacks;
    if (callbacks === null) return;
    this.closeCallbacks = null;
    for (const cb of callbacks) cb(err);
  }

  // ---- framing ----

  /** Sends the head, framed by decideResponse(), with `body` when the response is complete at once. */
  private start(content: number | 'none' | 'parts', body: Chunk | null): void {
    const head = this.head ?? serializeHead(200, undefined);
    const channel = this.channel;
    const decision = decideResponse({
      versionMinor: this.versionMinor,
      isHead: this.isHead,
      requestConnection: this.requestConnection,
      status: this.status,
      declaredLength: head.declaredLength,
      content,
      lengthUnknown: this.lengthUnknown,
      wantsChunked: head.wantsChunked,
      closeDelimited: this.closeDelimited,
      appClose: head.wantsClose,
      keepAlive: this.keepAliveField,
      requests: channel.requests,
      maxRequests: channel.maxRequests,
      closing: channel.closing,
      unreadBody: channel.unreadBody,
    });
    const framing = decision.body;
    this.framing = framing;
    this.remaining = decision.length;
    this.closeAfter = decision.close;
    let text = head.text + decision.fields;
    if (!head.hasDate) text += 'Date: ' + httpDate() + CRLF;
    text += CRLF;
    this.headBytes += text.length;
    this.state = State.Streaming;
    this.head = null;
    if (body === null || framing === 'none') {
      channel.send(text, true);
      if (body !== null) this.finish(undefined);
      return;
    }
    if (framing !== 'length' || content !== decision.length) {
      // The body still needs writeBody's framing: chunked (the app asked for it with
      // Transfer-Encoding or Trailer; sending it raw broke the framing), close-delimited,
      // or a declared length it does not match. end() then finishes, with its trailers.
      channel.send(text, true);
      this.writeBody(body);
      return;
    }
    // Head and complete body in one write (one string when the head is ASCII).
    if (typeof body === 'string' && head.ascii) channel.send(text + body);
    else {
      channel.send(text, true);
      channel.send(body);
    }
    this.remaining = 0;
    this.finish(undefined);
  }

  private writeBody(chunk: Chunk): boolean {
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    switch (this.framing) {
      case 'none':
        return true;
      case 'length':
        if (length > this.remaining) {
          const err = appError('ERR_CONTENT_LENGTH_MISMATCH', 'Response body longer than its Content-Length');
          this.abort(err);
          throw err;
        }
        this.remaining -= length;
        return length === 0 ? true : this.channel.send(chunk);
      case 'chunked':
        if (length === 0) return true; // an empty chunk would end the body
        this.channel.send(length.toString(16) + CRLF);
        this.channel.send(chunk);
        return this.channel.send(CRLF);
      case 'close':
        return length === 0 ? true : this.channel.send(chunk);
    }
  }

  private finish(trailers: OutgoingHeaders | undefined): void {
    if (this.framing === 'length' && this.remaining > 0) {
      this.abort(appError('ERR_CONTENT_LENGTH_MISMATCH', 'Response body shorter than its Content-Length'));
      return;
    }
    if (this.framing === 'chunked') this.channel.send(trailers === undefined ? '0\r\n\r\n' : '0\r\n' + serializeTrailers(trailers) + CRLF, true);
    this.state = State.Ended;
    this.channel.finished(this, this.closeAfter);
  }
}

const serializeTrailers = (trailers: OutgoingHeaders): string => {
  let text = '';
  const add = (name: string, value: string): void => {
    if (!isToken(name) || !isFieldValue(value)) throw appError('ERR_INVALID_HEADER', `Invalid trailer field ${name}`);
    text += name + ': ' + value + CRLF;
  };
  if (Array.isArray(trailers)) for (const [n, v] of trailers as ReadonlyArray<readonly [string, string]>) add(n, v);
  else {
    for (const [n, v] of Object.entries(trailers as Record<string, string | number | readonly string[] | undefined>)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v as readonly string[]) add(n, x);
      else add(n, String(v));
    }
  }
  return text;
};
