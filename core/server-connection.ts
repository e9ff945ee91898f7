// The server side of one HTTP/1.1 connection as a state machine without I/O, in
// the manner of h11. In: bytes (receive), the client's FIN (receiveEnd), the
// transport's close (transportClosed), time (sweep(now)) and the app's demand
// (its RequestBody reads, its OutgoingResponse writes). Out: the exchange for the
// handler (request, error, closed) and commands for the driver (write, pause or
// resume reading, end, abort, detach). It reads like Go's serve loop: a request
// head → the app → its body as the app asks → the response done → keep-alive or
// close → the next (pipelined) request or idle. The states are named in
// connection-state.ts; one exchange is in flight at a time, and bytes of
// pipelined requests wait in the parser, read ahead up to maxReadAheadBytes.
// This file is the serve loop and the response side; how an exchange or the
// connection ends (errors in place of the app, a client gone, the close, the
// timeouts) is connection-endings.ts, its base class; the timeouts' clocks are
// connection-deadlines.ts, the driver's and handler's interfaces connection-contract.ts.

import { HttpError, bodyTooLarge } from './errors.js';
import { type UnreadBody, afterResponse, unreadBody } from './framing.js';
import { RequestParser, type ParserEvent, type RequestHead } from './request-parser.js';
import { RequestBody } from './request-body.js';
import { OutgoingResponse, type Chunk } from './response.js';
import type { ConnectionCommands, DetachedSocket, ExchangeHandler, ServerConnectionOptions } from './connection-contract.js';
import { ConnectionEndings } from './connection-endings.js';
import type { Sweepable } from './sweeper.js';

export type { ConnectionCommands, DetachedSocket, ExchangeHandler, ServerConnectionOptions };

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class ServerConnection<C = unknown> extends ConnectionEndings<C> implements Sweepable {
  private readonly parser: RequestParser;
  /** The client sent its FIN (allowHalfOpen: the close follows the last answer). */
  private peerEnded = false;
  private pumping = false;
  private repump = false;
  private continueSent = false;
  /** Bytes of an unread body still to discard before the next request (draining). */
  private drainBudget = 0;
  /** Requests served on this connection. */
  requests = 0;

  constructor(commands: ConnectionCommands, handler: ExchangeHandler<C>, owner: C, options: ServerConnectionOptions) {
    super(commands, handler, owner, options);
    this.parser = new RequestParser(options.limits, options.passExpectations === true);
    options.sweeper.add(this);
  }

  // ---- input: bytes, the FIN, the close ----

  receive(chunk: Buffer): void {
    const state = this.stateName;
    if (state === 'must-close' || state === 'closed' || state === 'switched') return; // bytes after the last request are never processed
    if (state === 'idle') {
      this.stateName = 'head';
      this.clock.headStartedAt = this.now();
    } else if (state === 'body' || state === 'draining') {
      this.clock.lastBodyAt = this.now();
    }
    this.parser.push(chunk);
    this.pump();
  }

  /** The client sent its FIN. */
  receiveEnd(): void {
    this.peerEnded = true;
    switch (this.stateName) {
      case 'idle':
      case 'head': // a partial head gets no response
      case 'draining': // the rest will never come: end now rather than at the body timeout
        this.mustClose();
        return;
      case 'body':
        // An incomplete message (RFC 9112 §8) is a 400 in either mode, as node:http
        // answers a FIN mid-body (HPE_INVALID_EOF_STATE) when nothing was sent yet.
        this.protocolError(new HttpError('ERR_BODY_ABORTED', 400, 'Client closed before the body was complete'));
        return;
      case 'responding':
        // Half-open: the client sent all it will; its responses still go out, then the close (pump).
        if (!this.options.allowHalfOpen) this.clientGone();
        return;
      default:
        return;
    }
  }

  /** The transport closed (client reset, error, or after our end). */
  transportClosed(): void {
    this.closed(null);
  }

  /** The transport can take more bytes. */
  drained(): void {
    this.clock.writeStalledSince = 0;
    this.res?.drained();
  }

  // ---- the serve loop ----

  /** Turns buffered bytes into events until the parser needs more or must wait. */
  private pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        this.pumpOnce();
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
    // A half-closed client (allowHalfOpen) got answers to all it sent: the close.
    if (this.peerEnded && (this.stateName === 'idle' || this.stateName === 'head')) this.mustClose();
    this.updateReading();
  }

  private pumpOnce(): void {
    for (;;) {
      switch (this.stateName) {
        case 'idle':
        case 'head': {
          const ev = this.nextEvent();
          if (ev === null) {
            if (!this.parser.inHead && this.stateName === 'head') this.stateName = 'idle';
            return;
          }
          if (ev.type !== 'head') throw new Error('parser out of step');
          this.startExchange(ev.head);
          break;
        }
        case 'body': {
          const body = this.body!;
          if (!body.wantsMore) return;
          const ev = this.nextEvent();
          if (ev === null) return;
          if (ev.type === 'data') body.push(ev.chunk);
          else if (ev.type === 'end') {
            this.stateName = 'responding';
            body.end(ev.trailers, ev.rawTrailers);
          }
          break;
        }
        case 'draining': {
          // Discarding a body the app left unread (bounded).
          const ev = this.nextEvent();
          if (ev === null) return;
          if (ev.type === 'data') {
            this.drainBudget -= ev.chunk.length;
            if (this.drainBudget < 0) {
              this.mustClose();
              return;
            }
          } else if (ev.type === 'end') {
            this.nextExchange();
          }
          break;
        }
        default:
          return; // responding, must-close, closed, switched
      }
    }
  }

  /** The parser's next event; a protocol error is answered here and ends the pumping (null). */
  private nextEvent(): ParserEvent | null {
    try {
      return this.parser.next();
    } catch (err) {
      this.protocolError(err as HttpError);
      return null;
    }
  }

  private updateReading(): void {
    let read: boolean;
    switch (this.stateName) {
      case 'body':
        read = this.body!.wantsMore;
        break;
      case 'responding':
        // Pipelined read-ahead, bounded. Reading stays on while a request is served so
        // that a client that leaves (RST or FIN) is seen and aborts the exchange.
        read = this.parser.buffered < this.options.limits.maxReadAheadBytes;
        break;
      case 'closed':
      case 'switched':
        return;
      default:
        read = true; // idle, head, draining; must-close, so the FIN and the close are seen
    }
    if (read !== this.reading) {
      this.reading = read;
      this.commands.setReading(read);
    }
  }

  private startExchange(head: RequestHead): void {
    this.requests++;
    this.head = head;
    const body = new RequestBody(head.contentLength, this.options.limits.bodyHighWaterMark);
    const res = new OutgoingResponse(this, head.versionMinor, head.method === 'HEAD', head.headers['connection']);
    this.body = body;
    this.res = res;
    this.continueSent = false;
    this.clock.lastBodyAt = this.now();
    if (head.contentLength !== 0) {
      this.stateName = 'body';
      body.onDemand = () => this.onBodyDemand(body);
      body.onLimit = (max) => this.limitBody(body, max);
    } else {
      this.stateName = 'responding';
    }
    if (head.method === 'CONNECT' && !this.options.allowConnect) {
      this.protocolError(new HttpError('ERR_METHOD_NOT_IMPLEMENTED', 501, 'CONNECT is not supported'));
      return;
    }
    try {
      this.handler.request(head, body, res, this.owner);
    } catch (err) {
      // The server's handler is expected to catch app errors; this is the last net.
      // Its message stays out of the page: it is whatever user code (an error page) threw.
      if (!res.headersSent) this.respondWithError(res, new HttpError('ERR_HANDLER_FAILED', 500, 'The server failed to answer this request.'));
      else res.abort(err as Error);
    }
  }

  private onBodyDemand(body: RequestBody): void {
    if (body !== this.body || this.stateName !== 'body') return;
    // RFC 9110 §10.1.1: 100 Continue once the app shows it wants the body.
    this.sendContinue();
    this.pump();
  }

  /**
   * The body's limit was lowered (RequestBody.limit: a mount's maxBodyBytes, an
   * adapter's spool bound) while it is still arriving: the parser holds the bytes
   * to come to it, and throws the 413, answering nothing, when the declared length
   * is over it (the caller answers in the app's place; the unread body is then
   * drained or the connection closed, framing.ts). A body already past it is
   * answered here as when the parser finds it past: the 413 in the app's place,
   * then the close, for the rest of the body will not be read.
   */
  private limitBody(body: RequestBody, max: number): void {
    if (body !== this.body) return; // an exchange that is over: its body is complete or failed
    this.parser.limitBody(max);
    if (body.received > max) this.protocolError(bodyTooLarge());
  }

  /** 100 Continue, once, to a client that waits for it (RFC 9110 §10.1.1): on the app's first read, or when it asks. */
  sendContinue(): void {
    const res = this.res;
    if (this.head === null || !this.head.expectContinue || this.continueSent || res === null || res.headersSent) return;
    this.continueSent = true;
    this.send(CONTINUE, true);
  }

  // ---- the response side (ResponseChannel) ----

  get maxRequests(): number {
    return this.options.limits.maxRequestsPerConnection;
  }

  /** The engine ends the connection after this exchange (shutdown(), an error page). */
  get closing(): boolean {
    return this.last;
  }

  /** The unread rest of the current request body (framing.ts decides what it means for persistence). */
  get unreadBody(): UnreadBody {
    return this.restOfBody(true);
  }

  /** `appReading`: count a body the app has begun to read as one that will arrive. */
  private restOfBody(appReading: boolean): UnreadBody {
    const head = this.head;
    const body = this.body;
    if (head === null || body === null) return 'none';
    return unreadBody(
      body.complete,
      appReading && body.started,
      head.contentLength >= 0 ? head.contentLength - body.received : -1,
      head.expectContinue && !this.continueSent,
      this.options.limits.maxDrainBytes,
    );
  }

  /** Queues bytes; the driver corks them until the end of this event loop turn. */
  send(data: Chunk, latin1 = false): boolean {
    const state = this.stateName;
    // Nothing is written once the driver was told to end: no response is in flight then.
    if (state === 'must-close' || state === 'closed' || state === 'switched') return false;
    if (this.commands.unsentBytes > this.options.limits.maxUnsentBytes) {
      // The app ignores backpressure: cut it off before memory grows without bound.
      this.cut(new HttpError('ERR_RESPONSE_BUFFER_OVERFLOW', 500, 'The response ignored backpressure'));
      return false;
    }
    const ok = this.commands.write(data, latin1);
    if (!ok && this.clock.writeStalledSince === 0) this.clock.writeStalledSince = this.now();
    return ok;
  }

  /** The response is complete; `close` says the connection must end after it. */
  finished(res: OutgoingResponse, close: boolean): void {
    if (res !== this.res) {
      // An error response that replaced the app's: the connection ends after it.
      this.mustClose();
      return;
    }
    res.closed();
    const body = this.body!;
    const next = afterResponse(close || this.last, this.restOfBody(false));
    // An app that answered without reading the whole body: a bounded rest is discarded to
    // keep the connection (draining); a client still waiting for 100 Continue will send
    // nothing, so that connection closes instead.
    if (!body.complete) body.fail(new HttpError('ERR_BODY_DISCARDED', 500, 'The response finished before the body was read'));
    if (next === 'drain') {
      this.drainBudget = this.options.limits.maxDrainBytes;
      this.stateName = 'draining';
    } else if (next === 'next') {
      this.nextExchange();
    } else {
      this.mustClose();
      return;
    }
    this.pump();
  }

  /** The response cannot complete: the connection is cut. */
  abort(res: OutgoingResponse, err: Error): void {
    const current = this.res;
    this.cut(err);
    if (res !== current) res.closed(err);
  }

  /** Hands the transport to the app (upgrade, CONNECT); the machine forgets it. */
  detach(res: OutgoingResponse): { socket: DetachedSocket; head: Buffer } {
    // The error handler may take the connection over too, to answer in its own way (node:http's 'clientError').
    if (res !== this.res && res !== this.errorResponse) throw new Error('detach() of a response that is not current');
    this.stateName = 'switched';
    this.options.sweeper.delete(this);
    const socket = this.commands.detach();
    const head = this.parser.takeBuffered();
    this.handler.closed?.(this.owner);
    // The exchange is over for the engine: onClose listeners (access log, counters) run now.
    res.closed();
    return { socket, head };
  }

  // ---- the end of an exchange ----

  private nextExchange(): void {
    this.head = null;
    this.body = null;
    this.res = null;
    this.clock.idleSince = this.now();
    this.parser.nextMessage();
    if (this.last) {
      this.mustClose();
      return;
    }
    if (this.parser.inHead) {
      this.stateName = 'head';
      this.clock.headStartedAt = this.clock.idleSince;
    } else {
      this.stateName = 'idle';
    }
  }
}
