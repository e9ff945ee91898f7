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

import { HttpError } from './errors.js';
import { type UnreadBody, afterResponse, unreadBody } from './framing.js';
import { RequestParser, type ParserEvent, type RequestHead } from './request-parser.js';
import { RequestBody } from './request-body.js';
import { OutgoingResponse, type Chunk, type ResponseChannel } from './response.js';
import type { ConnectionState } from './connection-state.js';
import type { Limits, Timeouts } from './limits.js';
import type { Sweepable } from './sweeper.js';

/** The socket a detached exchange hands over (node:net's, typed through the response API). */
export type DetachedSocket = ReturnType<ResponseChannel['detach']>['socket'];

/** What the machine asks of its driver. */
export interface ConnectionCommands {
  /** Queues bytes (strings as UTF-8, or latin1); false once past the buffer's high-water mark. */
  write(data: Chunk, latin1: boolean): boolean;
  /** Bytes queued and not yet handed to the OS. */
  readonly unsentBytes: number;
  /** Starts or stops reading (backpressure). */
  setReading(on: boolean): void;
  /** Sends what was queued, then the FIN. */
  end(): void;
  /** Closes at once, after handing over what was queued. */
  abort(): void;
  /** Gives the transport up, untouched, to a new owner. */
  detach(): DetachedSocket;
}

/** Who serves the exchanges; `C` is what it is told the connection is (the driver). */
export interface ExchangeHandler<C> {
  /** A request arrived; answer it through `res`, read the body from `body`. */
  request(head: RequestHead, body: RequestBody, res: OutgoingResponse, conn: C): void;
  /**
   * A request was malformed or broke a limit: render `err` on `res`. The connection
   * closes after. `head` is the request's when one was read (a body limit, a stall,
   * a response timeout), so the page can follow its Accept field; else null.
   */
  error(err: HttpError, res: OutgoingResponse, conn: C, head?: RequestHead | null): void;
  /** The connection is gone (or was detached). */
  closed?(conn: C): void;
}

export interface ServerConnectionOptions {
  limits: Limits;
  timeouts: Timeouts;
  /** Ticks sweep(now); the machine joins it while it lives. */
  sweeper: { add(member: Sweepable): void; delete(member: Sweepable): void };
  /** Let CONNECT requests reach the handler (else 501). */
  allowConnect?: boolean;
  /** Serve a client that sent its FIN until all it sent is answered (else its FIN aborts). */
  allowHalfOpen?: boolean;
  /** The clock (tests drive it). */
  now?: () => number;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class ServerConnection<C = unknown> implements ResponseChannel, Sweepable {
  private stateName: ConnectionState = 'idle';
  private readonly parser: RequestParser;
  private readonly now: () => number;
  private head: RequestHead | null = null;
  private body: RequestBody | null = null;
  private res: OutgoingResponse | null = null;
  /** The error response being rendered, which the error handler may detach(). */
  private errorResponse: OutgoingResponse | null = null;
  /** The exchange in flight is the connection's last. */
  private last = false;
  private peerEnded = false;
  private reading = true;
  private pumping = false;
  private repump = false;
  private continueSent = false;
  private drainBudget = 0;
  // Timestamps for sweep().
  private idleSince: number;
  private headStartedAt = 0;
  private lastBodyAt = 0;
  private closingSince = 0;
  private writeStalledSince = 0;
  /** Requests served on this connection. */
  requests = 0;

  constructor(
    private readonly commands: ConnectionCommands,
    private readonly handler: ExchangeHandler<C>,
    private readonly owner: C,
    private readonly options: ServerConnectionOptions,
  ) {
    this.parser = new RequestParser(options.limits);
    this.now = options.now ?? Date.now;
    this.idleSince = this.now();
    options.sweeper.add(this);
  }

  get state(): ConnectionState {
    return this.stateName;
  }

  /** True while a request is being served (its body drained included). */
  get busy(): boolean {
    return this.res !== null;
  }

  /**
   * Lowers the body limit of the current request (a mount's). Throws the 413
   * HttpError, answering nothing, when its declared length is already over it: the
   * caller renders it in place of the app (the unread body is then drained or the
   * connection closed, as for any response that leaves its body unread).
   */
  setBodyLimit(max: number): void {
    this.parser.limitBody(max);
  }

  /** Graceful shutdown: serve what is in flight, read no new request, close when idle. */
  shutdown(): void {
    this.last = true;
    if (this.stateName === 'idle' || this.stateName === 'head') this.mustClose();
  }

  /** Cuts the connection; a pending exchange fails with `reason`. */
  destroy(reason: Error = new HttpError('ERR_CONNECTION_DESTROYED', 503, 'The server closed the connection')): void {
    this.cut(reason);
  }

  // ---- input: bytes, the FIN, the close ----

  receive(chunk: Buffer): void {
    const state = this.stateName;
    if (state === 'must-close' || state === 'closed' || state === 'switched') return; // bytes after the last request are never processed
    if (state === 'idle') {
      this.stateName = 'head';
      this.headStartedAt = this.now();
    } else if (state === 'body' || state === 'draining') {
      this.lastBodyAt = this.now();
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
    this.writeStalledSince = 0;
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
    this.lastBodyAt = this.now();
    if (head.contentLength !== 0) {
      this.stateName = 'body';
      body.onDemand = () => this.onBodyDemand(body);
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
    if (!ok && this.writeStalledSince === 0) this.writeStalledSince = this.now();
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

  /**
   * The server gives up waiting for the app to answer `res` (a response timeout):
   * the client gets `err`'s error page if nothing was sent yet, else the connection
   * is cut. The app's later writes to `res` are ignored.
   */
  preempt(res: OutgoingResponse, err: HttpError): void {
    if (res !== this.res || res.ended || this.stateName === 'draining') return;
    this.protocolError(err);
  }

  // ---- the end of an exchange ----

  private nextExchange(): void {
    this.head = null;
    this.body = null;
    this.res = null;
    this.idleSince = this.now();
    this.parser.nextMessage();
    if (this.last) {
      this.mustClose();
      return;
    }
    if (this.parser.inHead) {
      this.stateName = 'head';
      this.headStartedAt = this.idleSince;
    } else {
      this.stateName = 'idle';
    }
  }

  private protocolError(err: HttpError): void {
    if (!(err instanceof HttpError)) throw err;
    this.last = true;
    const current = this.res;
    if (this.stateName === 'draining') {
      // The response is complete and the error is in a body being drained after it:
      // end after what was written. Cutting would discard the still-corked response.
      this.mustClose();
      return;
    }
    if (current !== null && current.headersSent) {
      this.cut(err);
      return;
    }
    // The error replaces the app's response; the app's further writes are ignored.
    if (current !== null) {
      this.body?.fail(err);
      current.closed(err);
    }
    // An error in a HEAD exchange (stalled body, response timeout) gets no body either (RFC 9110 §9.3.2).
    const res = new OutgoingResponse(this, this.head?.versionMinor ?? 1, current !== null && this.head?.method === 'HEAD', undefined);
    this.res = null;
    this.respondWithError(res, err);
  }

  private respondWithError(res: OutgoingResponse, err: HttpError): void {
    this.last = true;
    try {
      this.errorResponse = res;
      this.handler.error(err, res, this.owner, this.head);
      this.errorResponse = null;
      if (!res.ended) res.end();
    } catch {
      this.errorResponse = null;
      if (!res.headersSent) {
        res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(err.message + '\n');
      } else {
        this.cut(err);
      }
    }
  }

  /**
   * The client sent its FIN while its response was pending: it is gone (node:http's
   * socketOnEnd → abortIncoming, Go's cancelled request context). The app is told
   * (signal, onClose, an unread body), queued pipelined requests are dropped, and
   * the connection ends; a response already under way is cut, not ended, so a
   * close-delimited body cannot look complete.
   */
  private clientGone(): void {
    const err = new HttpError('ERR_CLIENT_GONE', 499, 'Client closed the connection before the response was complete');
    const res = this.res!;
    if (res.headersSent) {
      this.cut(err);
      return;
    }
    const body = this.body;
    this.res = null;
    this.body = null;
    body?.fail(err);
    res.closed(err);
    this.mustClose();
  }

  /** No further request: the driver ends the connection after what was written. */
  private mustClose(): void {
    const state = this.stateName;
    if (state === 'must-close' || state === 'closed' || state === 'switched') return;
    this.last = true;
    this.stateName = 'must-close';
    this.res = null;
    this.closingSince = this.now();
    if (!this.reading) {
      this.reading = true;
      this.commands.setReading(true); // so the peer's FIN is seen and the close follows
    }
    this.commands.end();
  }

  /** Cuts the transport now; what is pending fails with `reason`. */
  private cut(reason: Error): void {
    const state = this.stateName;
    if (state === 'closed' || state === 'switched') return;
    this.commands.abort();
    this.closed(reason);
  }

  /** The transport is gone; `reason` (else the client left) fails what is pending. */
  private closed(reason: Error | null): void {
    const state = this.stateName;
    if (state === 'closed' || state === 'switched') return;
    this.stateName = 'closed';
    this.options.sweeper.delete(this);
    const body = this.body;
    const res = state === 'draining' ? null : this.res;
    if ((body !== null && !body.complete) || res !== null) {
      // Made only when an exchange is pending: an idle connection's close costs no error.
      const err = reason ?? new HttpError('ERR_CLIENT_GONE', 499, 'Client closed the connection');
      // The body reader gets an engine error even when the app cut its own response.
      if (body !== null && !body.complete) body.fail(err instanceof HttpError ? err : new HttpError('ERR_RESPONSE_ABORTED', 500, 'The response was aborted'));
      res?.closed(err);
    }
    this.handler.closed?.(this.owner);
  }

  // ---- time ----

  sweep(now: number): void {
    const t = this.options.timeouts;
    if (this.writeStalledSince !== 0 && now - this.writeStalledSince > t.sendMs) {
      this.cut(new HttpError('ERR_SEND_TIMEOUT', 408, 'The client did not read the response in time'));
      return;
    }
    switch (this.stateName) {
      case 'idle':
        if (now - this.idleSince > t.keepAliveMs) this.mustClose();
        return;
      case 'head':
        if (now - this.headStartedAt > t.headersMs) {
          this.protocolError(new HttpError('ERR_HEADERS_TIMEOUT', 408, 'Request head not received in time'));
        }
        return;
      case 'body':
        if (this.body!.wantsMore && now - this.lastBodyAt > t.bodyMs) {
          this.protocolError(new HttpError('ERR_BODY_TIMEOUT', 408, 'Request body stalled'));
        } else if (t.requestMs > 0 && now - this.headStartedAt > t.requestMs) {
          // The whole request, however steadily it trickles in (node:http's requestTimeout).
          this.protocolError(new HttpError('ERR_BODY_TIMEOUT', 408, 'Request not received in time'));
        }
        return;
      case 'draining':
        if (now - this.lastBodyAt > t.bodyMs) this.mustClose();
        return;
      case 'must-close':
        // A client that neither reads nor closes after our FIN is not kept forever.
        if (now - this.closingSince > t.sendMs) this.cut(new HttpError('ERR_SEND_TIMEOUT', 408, 'The client did not close the connection in time'));
        return;
      default:
        return;
    }
  }
}
