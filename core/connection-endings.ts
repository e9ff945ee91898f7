// How an exchange and its connection end, as transitions of the machine in
// server-connection.ts (ServerConnection extends this class, which holds the
// state both share): the graceful end (shutdown, the keep-alive timeout, the last
// response: must-close, then the driver's FIN), an engine error answered in place
// of the app's response (protocolError: a 4xx/5xx page, then must-close; or a cut
// once the response started), a client that left (its FIN while a response is
// pending, a reset), the timeouts (connection-deadlines.ts says which passed), and
// the transport gone (closed), where whatever is pending fails with the reason.
// Every ending is idempotent: a connection ends once.

import { HttpError } from './errors.js';
import type { UnreadBody } from './framing.js';
import type { RequestHead } from './request-parser.js';
import type { RequestBody } from './request-body.js';
import { OutgoingResponse, type Chunk, type ResponseChannel } from './response.js';
import type { ConnectionState } from './connection-state.js';
import type { ConnectionCommands, DetachedSocket, ExchangeHandler, ServerConnectionOptions } from './connection-contract.js';
import { ConnectionDeadlines } from './connection-deadlines.js';

export abstract class ConnectionEndings<C> implements ResponseChannel {
  protected stateName: ConnectionState = 'idle';
  protected readonly now: () => number;
  /** The exchange in flight: its head, body and response (null between exchanges). */
  protected head: RequestHead | null = null;
  protected body: RequestBody | null = null;
  protected res: OutgoingResponse | null = null;
  /** The error response being rendered, which the error handler may detach(). */
  protected errorResponse: OutgoingResponse | null = null;
  /** The exchange in flight is the connection's last. */
  protected last = false;
  /** Whether the driver is reading (the machine turns it off for backpressure). */
  protected reading = true;
  /** The moments the timeouts count from (connection-deadlines.ts). */
  protected readonly clock: ConnectionDeadlines;

  constructor(
    protected readonly commands: ConnectionCommands,
    protected readonly handler: ExchangeHandler<C>,
    protected readonly owner: C,
    protected readonly options: ServerConnectionOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.clock = new ConnectionDeadlines(options.timeouts, this.now());
  }

  // The response side, which server-connection.ts implements (ResponseChannel).
  abstract readonly requests: number;
  abstract readonly maxRequests: number;
  abstract readonly closing: boolean;
  abstract readonly unreadBody: UnreadBody;
  abstract send(data: Chunk, latin1?: boolean): boolean;
  abstract finished(res: OutgoingResponse, close: boolean): void;
  abstract abort(res: OutgoingResponse, err: Error): void;
  abstract detach(res: OutgoingResponse): { socket: DetachedSocket; head: Buffer };
  abstract sendContinue(): void;

  get state(): ConnectionState {
    return this.stateName;
  }

  /** True while a request is being served (its body drained included). */
  get busy(): boolean {
    return this.res !== null;
  }

  /** Graceful shutdown: serve what is in flight, read no new request, close when idle. */
  shutdown(): void {
    this.last = true;
    this.clock.shuttingDown = true;
    if (this.stateName === 'idle' || this.stateName === 'head') this.mustClose();
  }

  /** Cuts the connection; a pending exchange fails with `reason`. */
  destroy(reason: Error = new HttpError('ERR_CONNECTION_DESTROYED', 503, 'The server closed the connection')): void {
    this.cut(reason);
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

  // ---- an error in place of the app's response, a client gone ----

  /**
   * An engine error (a malformed request, a limit, a timeout): its page replaces the
   * app's response, then must-close; once the response started, a cut instead.
   */
  protected protocolError(err: HttpError): void {
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

  /** Renders `err` on `res` through the handler (plain text if the handler fails); the connection ends after it. */
  protected respondWithError(res: OutgoingResponse, err: HttpError): void {
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
  protected clientGone(): void {
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

  // ---- the end of the connection ----

  /**
   * No further request: the driver ends the connection after what was written.
   * RFC 9112 §9.6: after a response, the FIN is sent and what the client still
   * sends is read and dropped until it closes too (a lingering close), lest a
   * reset discard the response before the client read it. An idle connection
   * with nothing unsent has no response to protect: it closes once its FIN is
   * written (as node:http closes idle connections), for a client may never close
   * its side of an idle keep-alive connection (Chromium does not).
   */
  protected mustClose(): void {
    const state = this.stateName;
    if (state === 'must-close' || state === 'closed' || state === 'switched') return;
    this.last = true;
    this.stateName = 'must-close';
    this.res = null;
    this.clock.closingSince = this.clock.lingerSince = this.now();
    if (state === 'idle' && this.commands.unsentBytes === 0) {
      this.commands.close();
      return;
    }
    if (!this.reading) {
      this.reading = true;
      this.commands.setReading(true); // so the peer's FIN is seen and the close follows
    }
    this.commands.end();
  }

  /** Cuts the transport now; what is pending fails with `reason`. */
  protected cut(reason: Error): void {
    const state = this.stateName;
    if (state === 'closed' || state === 'switched') return;
    this.commands.abort();
    this.closed(reason);
  }

  /** The transport is gone; `reason` (else the client left) fails what is pending. */
  protected closed(reason: Error | null): void {
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

  /** A tick of the shared sweep timer: the deadline that passed, if any, ends what it bounds. */
  sweep(now: number): void {
    // The lingering close counts from when all was handed to the OS.
    if (this.stateName === 'must-close' && this.commands.unsentBytes > 0) this.clock.lingerSince = now;
    switch (this.clock.expired(this.stateName, now, this.stateName === 'body' && this.body!.wantsMore)) {
      case null:
        return;
      case 'send':
        this.cut(new HttpError('ERR_SEND_TIMEOUT', 408, 'The client did not read the response in time'));
        return;
      case 'keep-alive':
      case 'drain':
        this.mustClose();
        return;
      case 'headers':
        this.protocolError(new HttpError('ERR_HEADERS_TIMEOUT', 408, 'Request head not received in time'));
        return;
      case 'body':
        this.protocolError(new HttpError('ERR_BODY_TIMEOUT', 408, 'Request body stalled'));
        return;
      case 'request':
        // The whole request, however steadily it trickles in (node:http's requestTimeout).
        this.protocolError(new HttpError('ERR_BODY_TIMEOUT', 408, 'Request not received in time'));
        return;
      case 'close':
        // A client that neither reads nor closes after our FIN is not kept forever
        // (during shutdown, not beyond the short linger).
        this.cut(new HttpError('ERR_SEND_TIMEOUT', 408, 'The client did not close the connection in time'));
        return;
    }
  }
}
