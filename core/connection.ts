// The per-connection loop, the only part of the engine that does I/O. It reads
// like Go's: read a request head → hand it to the server → feed its body as the
// app asks for it → when the response is done, decide whether the connection
// lives on → parse the next (pipelined) request or wait idle.
//
// One exchange is in flight at a time; bytes of pipelined requests wait in the
// parser, and reading stops once they pass maxReadAheadBytes. Reading also stops
// while the app leaves its body unread (RequestBody.wantsMore), so a fast client
// cannot make the server buffer. Writes are corked and flushed once per event
// loop turn, so a burst of pipelined responses leaves in one write.
//
// A client FIN while a response is pending aborts the exchange (ERR_CLIENT_GONE)
// unless allowHalfOpen. It is seen only while the socket is read: not while
// reading is paused because a body the app leaves unread filled
// bodyHighWaterMark, nor while pipelined bytes past maxReadAheadBytes wait. Then
// the FIN (or a reset) is noticed when reading resumes or a write fails.

import type { Socket } from 'node:net';
import { HttpError } from './errors.js';
import { RequestParser, type ParserEvent, type RequestHead } from './request-parser.js';
import { RequestBody } from './request-body.js';
import { OutgoingResponse, type Chunk, type ResponseChannel } from './response.js';
import type { Limits, Timeouts } from './limits.js';
import type { Sweepable, Sweeper } from './sweeper.js';

export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** True for TLS connections. */
  readonly secure: boolean;
}

/** A client address learnt from elsewhere than the socket (a PROXY protocol header). */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
  readonly family?: string;
}

export interface ConnectionHandler {
  /** A request arrived; answer it through `res`, read the body from `body`. */
  request(head: RequestHead, body: RequestBody, res: OutgoingResponse, conn: Connection): void;
  /** A request was malformed or broke a limit: render `err` on `res`. The connection closes after. */
  error(err: HttpError, res: OutgoingResponse, conn: Connection): void;
  /** The connection is gone. */
  closed?(conn: Connection): void;
}

export interface ConnectionOptions {
  limits: Limits;
  timeouts: Timeouts;
  sweeper: Sweeper;
  /** Let CONNECT requests reach the handler (else 501). */
  allowConnect?: boolean;
  /**
   * Keep answering a client that sent its FIN (a half-close, RFC 9112 §9.6): every
   * request it sent is served, then the connection ends. Default false: a FIN while
   * an exchange is in flight means the client is gone, and the exchange is aborted
   * (ERR_CLIENT_GONE, 499), as node:http (`allowHalfOpen: false`) and Go do.
   */
  allowHalfOpen?: boolean;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class Connection implements ResponseChannel, Sweepable, ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number;

  private readonly parser: RequestParser;
  private head: RequestHead | null = null;
  private body: RequestBody | null = null;
  private res: OutgoingResponse | null = null;
  /** The current response is complete; waiting for its request body to end. */
  private responseDone = false;
  private responseClose = false;
  /** No further request will be read. */
  private closing = false;
  private destroyed = false;
  private detached = false;
  private peerEnded = false;
  private readPaused = false;
  private corked = false;
  private pumping = false;
  private repump = false;
  private continueSent = false;
  private drainBudget = 0;
  // Timestamps for the sweeper.
  private idleSince: number;
  private headStartedAt = 0;
  private lastBodyAt = 0;
  private writeStalledSince = 0;
  /** Requests served on this connection. */
  requests = 0;

  constructor(
    readonly socket: Socket,
    readonly secure: boolean,
    private readonly handler: ConnectionHandler,
    private readonly options: ConnectionOptions,
    /** The client as a proxy in front reported it (PROXY protocol); else the socket's peer. */
    peer?: PeerAddress,
  ) {
    this.remoteAddress = peer?.address ?? socket.remoteAddress ?? '';
    this.remotePort = peer?.port ?? socket.remotePort ?? 0;
    this.remoteFamily = peer?.family ?? socket.remoteFamily ?? '';
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.parser = new RequestParser(options.limits);
    this.idleSince = Date.now();
    socket.setNoDelay(true);
    // One set of listener functions for all connections, not five closures each:
    // idle keep-alive connections are counted in kilobytes.
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketClose);
    socket.on('close', onSocketClose);
    options.sweeper.add(this);
  }

  /** Bytes read from and written to the socket (queued writes included). */
  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /** True while a request is being served. */
  get busy(): boolean {
    return this.res !== null;
  }

  get keepAliveAllowed(): boolean {
    if (this.closing || this.head === null || !this.head.keepAlive) return false;
    // A response that starts before the app took any of its body announces the close
    // that finished() will decide (RFC 9110 §10.1.1 SHOULD, RFC 9112 §9.6).
    const body = this.body;
    return body === null || body.complete || body.started || this.canDrain(body);
  }

  /** Whether the unread rest of `body` can be discarded to keep the connection. */
  private canDrain(body: RequestBody): boolean {
    const head = this.head!;
    // A client still waiting for 100 Continue sends nothing more: there is nothing to drain.
    if (head.expectContinue && !this.continueSent) return false;
    const remaining = head.contentLength >= 0 ? head.contentLength - body.received : this.options.limits.maxDrainBytes;
    return remaining <= this.options.limits.maxDrainBytes;
  }

  /** Lowers the body limit of the current request (per mount). */
  setBodyLimit(max: number): void {
    this.parser.bodyLimit = Math.min(this.parser.bodyLimit, max);
  }

  /** Graceful shutdown: serve what is in flight, read no new request, close when idle. */
  shutdown(): void {
    this.closing = true;
    if (this.res === null) this.endSocket();
  }

  destroy(err?: Error): void {
    if (this.destroyed) return;
    this.socket.destroy(err);
    this.onClose();
  }

  // ---- reading ----

  private onData(chunk: Buffer): void {
    if (this.closing && this.res === null) return; // bytes after a final request are never processed
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      this.pushAndPump(chunk);
      this.corked = false;
      this.socket.uncork();
    } else {
      this.pushAndPump(chunk);
    }
  }

  private pushAndPump(chunk: Buffer): void {
    if (this.res === null && !this.parser.inHead) this.headStartedAt = Date.now();
    if (this.body !== null) this.lastBodyAt = Date.now();
    this.parser.push(chunk);
    this.pump();
  }

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
      } while (this.repump && !this.destroyed && !this.detached);
    } finally {
      this.pumping = false;
    }
    this.updateReading();
  }

  private pumpOnce(): void {
    while (!this.destroyed && !this.detached) {
      if (this.res === null) {
        if (this.closing) return;
        const ev = this.nextEvent();
        if (ev === null) return;
        if (ev.type !== 'head') throw new Error('parser out of step');
        this.startExchange(ev.head);
        continue;
      }
      const body = this.body!;
      if (this.parser.betweenMessages || (!body.wantsMore && !this.responseDone)) return;
      const ev = this.nextEvent();
      if (ev === null) return;
      if (ev.type === 'data') {
        if (this.responseDone) {
          // Discarding a body the app left unread (bounded).
          this.drainBudget -= ev.chunk.length;
          if (this.drainBudget < 0) {
            this.endSocket();
            return;
          }
        } else {
          body.push(ev.chunk);
        }
      } else if (ev.type === 'end') {
        body.end(ev.trailers, ev.rawTrailers);
        if (this.responseDone) this.nextExchange();
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
    if (this.destroyed || this.detached) return;
    let read: boolean;
    if (this.res === null) read = !this.closing;
    else if (!this.parser.betweenMessages && !this.body!.complete) read = this.responseDone || this.body!.wantsMore; // body arriving
    // Pipelined read-ahead, bounded; also while a bodiless request is served, so that a
    // client that leaves (RST) aborts res.signal and a half-close is seen.
    else read = this.parser.buffered < this.options.limits.maxReadAheadBytes;
    if (read && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
    } else if (!read && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  private startExchange(head: RequestHead): void {
    this.requests++;
    this.head = head;
    const body = new RequestBody(head.contentLength, this.options.limits.bodyHighWaterMark);
    const res = new OutgoingResponse(this, head.versionMinor, head.method === 'HEAD');
    this.body = body;
    this.res = res;
    this.responseDone = false;
    this.continueSent = false;
    this.lastBodyAt = Date.now();
    if (head.contentLength !== 0) body.onDemand = () => this.onBodyDemand(body);
    if (head.method === 'CONNECT' && !this.options.allowConnect) {
      this.protocolError(new HttpError('ERR_METHOD_NOT_IMPLEMENTED', 501, 'CONNECT is not supported'));
      return;
    }
    try {
      this.handler.request(head, body, res, this);
    } catch (err) {
      // The server's handler is expected to catch app errors; this is the last net.
      // Its message stays out of the page: it is whatever user code (an error page) threw.
      if (!res.headersSent) this.respondWithError(res, new HttpError('ERR_CONNECTION_CLOSED', 500, 'The server failed to answer this request.'));
      else res.abort(err as Error);
    }
  }

  private onBodyDemand(body: RequestBody): void {
    if (body !== this.body) return;
    // RFC 9110 §10.1.1: 100 Continue once the app shows it wants the body.
    if (this.head!.expectContinue && !this.continueSent && !this.res!.headersSent) {
      this.continueSent = true;
      this.send(CONTINUE, true);
    }
    this.pump();
  }

  // ---- the end of an exchange ----

  /** ResponseChannel: the response is complete. */
  finished(res: OutgoingResponse, close: boolean): void {
    if (res !== this.res) {
      // An error response that replaced the app's: the connection ends after it.
      this.endSocket();
      return;
    }
    this.responseClose = close;
    this.responseDone = true;
    res.closed();
    const body = this.body!;
    if (close || this.closing) {
      this.closing = true;
      if (!body.complete) body.fail(new HttpError('ERR_CONNECTION_CLOSED', 500, 'Response finished before the body was read'));
      this.endSocket();
      return;
    }
    if (body.complete) {
      this.nextExchange();
      return;
    }
    // The app answered without reading the whole body. Discard a bounded remainder
    // to keep the connection; a client still waiting for 100 Continue will send
    // nothing, so that connection is closed instead.
    if (!this.canDrain(body)) {
      this.closing = true;
      body.fail(new HttpError('ERR_CONNECTION_CLOSED', 500, 'Response finished before the body was read'));
      this.endSocket();
      return;
    }
    this.drainBudget = this.options.limits.maxDrainBytes;
    body.fail(new HttpError('ERR_CONNECTION_CLOSED', 500, 'Response finished before the body was read'));
    this.pump();
  }

  private nextExchange(): void {
    this.head = null;
    this.body = null;
    this.res = null;
    this.responseDone = false;
    this.idleSince = Date.now();
    this.parser.nextMessage();
    if (this.parser.inHead) this.headStartedAt = Date.now();
    this.pump();
    // A half-closed client gets answers to all it sent, then the connection ends.
    if (this.peerEnded && this.res === null) this.endSocket();
  }

  /** ResponseChannel: the response cannot complete; cut the connection. */
  abort(res: OutgoingResponse, err: Error): void {
    // What the app wrote goes out first (it may still be corked), so the client
    // sees a truncated message rather than nothing at all.
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    this.destroy();
    res.closed(err);
  }

  /**
   * The server gives up waiting for the app to answer `res` (a response timeout):
   * the client gets `err`'s error page if nothing was sent yet, else the connection
   * is cut. The app's later writes to `res` are ignored.
   */
  preempt(res: OutgoingResponse, err: HttpError): void {
    if (res !== this.res || res.ended || this.responseDone) return;
    this.protocolError(err);
  }

  private protocolError(err: HttpError): void {
    if (!(err instanceof HttpError)) throw err;
    this.closing = true;
    const current = this.res;
    if (current !== null && this.responseDone) {
      // The response is complete and the error is in a body being drained after it:
      // end after what was written. Destroying would discard the still-corked response.
      this.body?.fail(err);
      this.endSocket();
      return;
    }
    if (current !== null && current.headersSent) {
      this.body?.fail(err);
      this.destroy();
      return;
    }
    // The error replaces the app's response; the app's further writes are ignored.
    if (current !== null) {
      this.body?.fail(err);
      current.closed(err);
    }
    // An error in a HEAD exchange (stalled body, response timeout) gets no body either (RFC 9110 §9.3.2).
    const res = new OutgoingResponse(this, this.head?.versionMinor ?? 1, current !== null && this.head?.method === 'HEAD');
    this.res = null;
    this.respondWithError(res, err);
  }

  private respondWithError(res: OutgoingResponse, err: HttpError): void {
    this.closing = true;
    try {
      this.handler.error(err, res, this);
      if (!res.ended) res.end();
    } catch {
      if (!res.headersSent) {
        res.writeHead(err.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(err.message + '\n');
      } else {
        this.destroy();
      }
    }
  }

  /** Ends the connection after what was written (FIN), reading nothing more. */
  private endSocket(): void {
    this.closing = true;
    if (this.destroyed || this.detached) return;
    this.res = null;
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume(); // so the peer's FIN is seen and 'close' follows
    }
    this.socket.end();
  }

  private onEnd(): void {
    this.peerEnded = true;
    if (this.res === null) {
      this.endSocket();
      return;
    }
    const body = this.body;
    if (this.responseDone && !this.parser.betweenMessages) {
      // Draining a body the app left unread: the rest will never come, so the
      // connection ends now rather than at the body timeout.
      this.endSocket();
    } else if (body !== null && !body.complete && !this.parser.betweenMessages) {
      // An incomplete message (RFC 9112 §8) is a 400 in either mode, as node:http
      // answers a FIN mid-body (HPE_INVALID_EOF_STATE) when nothing was sent yet.
      this.protocolError(new HttpError('ERR_BODY_ABORTED', 400, 'Client closed before the body was complete'));
    } else if (!this.options.allowHalfOpen) {
      this.clientGone();
    }
    // Else a half-close: the client sent all it will; its responses still go out.
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
    const body = this.body;
    const started = res.headersSent;
    this.closing = true;
    this.res = null;
    this.body = null;
    body?.fail(err);
    res.closed(err);
    if (started) {
      if (this.corked) {
        this.corked = false;
        this.socket.uncork();
      }
      this.destroy();
    } else {
      this.endSocket();
    }
  }

  private onDrain(): void {
    this.writeStalledSince = 0;
    this.res?.drained();
  }

  private onClose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.options.sweeper.delete(this);
    const err = new HttpError('ERR_CONNECTION_CLOSED', 499, 'Client closed the connection');
    if (this.body !== null && !this.body.complete) this.body.fail(err);
    if (this.res !== null && !this.responseDone) this.res.closed(err);
    this.handler.closed?.(this);
  }

  // ---- writing ----

  /** ResponseChannel: queue bytes, corked until the end of this event loop turn. */
  send(data: Chunk, latin1 = false): boolean {
    if (this.destroyed || this.detached) return false;
    const socket = this.socket;
    if (socket.writableLength > this.options.limits.maxUnsentBytes) {
      // The app ignores backpressure: cut it off before memory grows without bound.
      this.destroy();
      return false;
    }
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(uncork, this);
    }
    const ok = typeof data === 'string' ? socket.write(data, latin1 ? 'latin1' : 'utf8') : socket.write(data);
    if (!ok && this.writeStalledSince === 0) this.writeStalledSince = Date.now();
    return ok;
  }

  /** ResponseChannel: hand the socket to the app. */
  detach(res: OutgoingResponse): { socket: Socket; head: Buffer } {
    if (res !== this.res) throw new Error('detach() of a response that is not current');
    this.detached = true;
    this.options.sweeper.delete(this);
    const socket = this.socket;
    // Only the engine's own listeners go: node's internal ones (end → half-close
    // handling) must stay for the new owner.
    socket.off('data', onSocketData);
    socket.off('end', onSocketEnd);
    socket.off('drain', onSocketDrain);
    socket.off('error', onSocketClose);
    socket.off('close', onSocketClose);
    if (this.corked) {
      this.corked = false;
      socket.uncork();
    }
    // Neither flowing nor paused: bytes wait in the socket until the new owner adds a
    // 'data' listener (or reads), which starts the flow, as node:http leaves an upgraded socket.
    socket.pause();
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    socket.on('error', () => socket.destroy()); // an error listener must stay
    const head = this.parser.takeBuffered();
    this.handler.closed?.(this);
    // The exchange is over for the engine: onClose listeners (access log, counters) run now.
    res.closed();
    return { socket, head };
  }

  // ---- timeouts ----

  sweep(now: number): void {
    const t = this.options.timeouts;
    if (this.writeStalledSince !== 0 && now - this.writeStalledSince > t.sendMs) {
      this.destroy();
      return;
    }
    if (this.res === null) {
      if (this.parser.inHead) {
        if (now - this.headStartedAt > t.headersMs) {
          this.protocolError(new HttpError('ERR_HEADERS_TIMEOUT', 408, 'Request head not received in time'));
        }
      } else if (now - this.idleSince > t.keepAliveMs) {
        this.endSocket();
      }
      return;
    }
    const body = this.body;
    if (body !== null && !body.complete && (this.responseDone || body.wantsMore) && now - this.lastBodyAt > t.bodyMs) {
      this.protocolError(new HttpError('ERR_BODY_TIMEOUT', 408, 'Request body stalled'));
    }
  }
}

const kConnection = Symbol('portico.connection');
type OwnedSocket = Socket & { [kConnection]: Connection };

// Bracket access reaches the private handlers: these functions are part of the class's
// implementation, shared so that a connection costs no closures.
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]['onData'](chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kConnection]['onEnd']();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kConnection]['onDrain']();
}
function onSocketClose(this: OwnedSocket): void {
  this[kConnection]['onClose']();
}

function uncork(conn: Connection): void {
  (conn as unknown as { corked: boolean }).corked = false;
  conn.socket.uncork();
}
