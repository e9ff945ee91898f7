// The request body as the app sees it: a stream with backpressure in two styles.
// Pull: `read()` / `for await` (one chunk at a time, a promise per chunk). Push:
// `flow(sink)` delivers chunks synchronously as they are decoded, and a sink that
// returns false pauses delivery until `resume()`. Either way, bytes the app has
// not taken wait in a small queue; when it passes the high-water mark the engine
// stops reading the socket (`wantsMore` turns false) until the app catches up.
// The first read is also the app's consent to `Expect: 100-continue`. `limit()`
// lowers the most the body may hold for the rest of the request: the engine's
// parser then holds the bytes to come to it (the mount's maxBodyBytes and the
// CGI/FastCGI spool bound both go this way), so a body past it is the engine's
// one 413, whoever asked.

import { bodyTooLarge } from './errors.js';
import type { HeaderMap } from './headers.js';

export interface BodySink {
  /** A chunk of the body; return false to pause until resume(). */
  data(chunk: Buffer): boolean | void;
  /** The body ended (err undefined) or failed (client went away, limit, timeout). */
  end(err?: Error): void;
}

interface Waiter {
  resolve(chunk: Buffer | null): void;
  reject(err: Error): void;
}

export class RequestBody implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private queued = 0;
  private waiter: Waiter | null = null;
  private sink: BodySink | null = null;
  private paused = false;
  private ended = false;
  private failure: Error | null = null;
  private touched = false;
  /** Bytes received from the client so far. */
  received = 0;
  trailers: HeaderMap | null = null;
  rawTrailers: string[] | null = null;
  /** Called by the engine's side when the app first asks for data or frees room. */
  onDemand: (() => void) | null = null;
  /**
   * Set by the engine: holds the bytes still to come to a lowered limit (the
   * parser's), throws the 413 when the declared length is over it, and answers
   * the 413 itself when the body is already past it while still arriving.
   */
  onLimit: ((max: number) => void) | null = null;
  /** The most bytes the body may have, as lowered by limit(). */
  private max = Number.POSITIVE_INFINITY;

  constructor(
    /** Declared length: 0 for no body, -1 when unknown (chunked). */
    readonly length: number,
    private readonly highWaterMark: number,
  ) {
    if (length === 0) this.ended = true;
  }

  /** True once the whole body has arrived (or there is none). */
  get complete(): boolean {
    return this.ended && this.failure === null;
  }

  /** True once the app asked for the body in any way. */
  get started(): boolean {
    return this.touched;
  }

  /** The engine may read more from the socket for this body. */
  get wantsMore(): boolean {
    return !this.ended && !this.paused && this.queued < this.highWaterMark;
  }

  // ---- engine side ----

  push(chunk: Buffer): void {
    this.received += chunk.length;
    // A body without an engine holds itself to its limit (the engine's parser stops a body before this).
    if (this.received > this.max) return this.fail(bodyTooLarge());
    if (this.sink !== null && !this.paused && this.queue.length === 0) {
      if (this.sink.data(chunk) === false) this.paused = true;
      return;
    }
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  end(trailers: HeaderMap | null, rawTrailers: string[] | null): void {
    if (this.ended) return;
    this.ended = true;
    this.trailers = trailers;
    this.rawTrailers = rawTrailers;
    this.settle();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.queue = [];
    this.queued = 0;
    this.settle();
  }

  private settle(): void {
    if (this.queue.length > 0) return; // the end is delivered after the queued data
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      if (this.failure) w.reject(this.failure);
      else w.resolve(null);
    } else if (this.sink !== null) {
      const sink = this.sink;
      this.sink = null;
      sink.end(this.failure ?? undefined);
    }
  }

  private touch(): void {
    if (!this.touched) {
      this.touched = true;
      this.onDemand?.();
    }
  }

  // ---- app side ----

  /** The next chunk, or null at the end. Rejects if the body failed. */
  read(): Promise<Buffer | null> {
    if (this.sink !== null) return Promise.reject(new Error('RequestBody is flowing to a sink'));
    this.touch();
    if (this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      this.queued -= chunk.length;
      if (this.queue.length === 0 && this.ended) this.settle();
      this.onDemand?.();
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.waiter !== null) return Promise.reject(new Error('RequestBody.read() called while a read is pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.onDemand?.();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }

  /** Delivers the body to `sink` as it arrives; a sink returning false pauses it until resume(). */
  flow(sink: BodySink): void {
    if (this.sink !== null || this.waiter !== null) throw new Error('RequestBody is already being read');
    this.sink = sink;
    this.touch();
    this.resume();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const sink = this.sink;
    if (sink === null) return;
    while (this.queue.length > 0 && !this.paused) {
      const chunk = this.queue.shift()!;
      this.queued -= chunk.length;
      if (sink.data(chunk) === false) this.paused = true;
    }
    if (this.queue.length === 0 && this.ended) this.settle();
    else this.onDemand?.();
  }

  /**
   * Lowers the most bytes the body may have, for the rest of the request (a
   * higher value than the current limit changes nothing). What is known already
   * is judged now: a declared length over it, or a body that arrived whole and is
   * over it, throws the 413 (ERR_BODY_TOO_LARGE) for the caller to answer in the
   * app's place; the server then drains or closes as for any unread body. A body
   * still arriving is held to it by the server: once past it, the server answers
   * the 413 in the app's place and closes (RFC 9110 §15.5.14), and reading the
   * body fails with that error.
   */
  limit(max: number): void {
    if (!(max < this.max)) return;
    this.max = max;
    if (this.ended) {
      if (this.complete && this.received > max) throw bodyTooLarge();
      return;
    }
    if (this.onLimit !== null) return this.onLimit(max);
    if (this.length > max) throw bodyTooLarge();
    if (this.received > max) this.fail(bodyTooLarge());
  }

  /** The whole body in one buffer, refusing to hold more than `limit` bytes. */
  async bytes(limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this) {
      total += chunk.length;
      if (total > limit) throw bodyTooLarge();
      parts.push(chunk);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  async text(limit?: number): Promise<string> {
    return (await this.bytes(limit)).toString('utf8');
  }
}

/** A body of length 0 shared by every request without one. */
export const emptyBody = (): RequestBody => new RequestBody(0, 0);
