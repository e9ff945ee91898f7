// The "socket" a node:http app sees: a real stream.Duplex that belongs to
// Portico, one per request. It carries the connection's addresses from the env
// and answers the calls apps and middleware make on sockets (setTimeout,
// setNoDelay, address()...) harmlessly, but destroy(), end() and destroySoon()
// really act: before the response is complete they abort it (the client sees
// a truncated message, as with node:http); after it, they ask the connection to
// close once idle. It also keeps the exchange's write bookkeeping: write
// callbacks run once the bytes are handed to the connection, or after 'drain'
// when the connection is behind, and the response's 'drain' is forwarded.
// Raw writes are refused: the framing is Portico's, never the app's.

import { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chunk, Env, Responder } from '../env.js';
import { abortedError, kNeedDrain } from './node-internals.js';

type Callback = (err?: Error | null) => void;

interface Closable {
  shutdown(): void;
}

const noop = (): void => {};

const runCallbacks = (callbacks: Callback[], err?: Error): void => {
  for (const cb of callbacks) cb(err);
};

const familyOf = (address: string): string => (address.includes(':') ? 'IPv6' : 'IPv4');

export class PorticoSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** True on TLS connections, like tls.TLSSocket; absent on plain ones, like net.Socket. */
  readonly encrypted: true | undefined;
  /** The Portico response this exchange writes to; null once the adapter gave it up. */
  responder: Responder | null;
  /** node:http's link from a socket to the response using it. */
  _httpMessage: ServerResponse | null = null;
  /** Set when the exchange died, so node:http's onFinish never emits 'finish'. */
  _hadError = false;
  req: IncomingMessage | null = null;
  /** The body of a response ended in one call (res.end(body)), kept for one responder.end(). */
  holding = false;
  heldBody: Chunk | undefined = undefined;
  private readonly connection: Closable | null;
  private pending: Callback[] | null = null;
  private waitingDrain = false;
  private drainListener: (() => void) | null = null;

  constructor(env: Env, responder: Responder) {
    super({ allowHalfOpen: true });
    this.remoteAddress = env.remoteAddress;
    this.remotePort = env.remotePort;
    this.remoteFamily = familyOf(env.remoteAddress);
    this.localAddress = env.localAddress;
    this.localPort = env.localPort;
    this.encrypted = env.secure ? true : undefined;
    this.responder = responder;
    const conn = env.extensions['portico.connection'] as Partial<Closable> | undefined;
    this.connection = conn !== undefined && typeof conn.shutdown === 'function' ? (conn as Closable) : null;
    // node:http sockets always have an error listener; an unhandled 'error' must never crash the server.
    this.on('error', noop);
    responder.onClose((err) => this.exchangeClosed(err));
  }

  // ---- the harmless part of net.Socket ----

  setTimeout(_ms: number, cb?: () => void): this {
    // Portico's own timeouts (headers, body, send, keep-alive) govern the connection.
    if (cb !== undefined) this.once('timeout', cb);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): AddressInfo {
    return { address: this.localAddress, family: familyOf(this.localAddress), port: this.localPort };
  }

  destroySoon(): void {
    if (this.writable) this.end();
    else this.destroy();
  }

  // ---- stream.Duplex ----

  override _read(): void {
    // The request body reaches the IncomingMessage directly, never through the socket.
  }

  override _write(_chunk: unknown, _encoding: BufferEncoding, cb: Callback): void {
    const err = Object.assign(new Error('Raw writes to the socket are not supported; write to the response'), {
      code: 'ERR_PORTICO_SOCKET_WRITE',
    });
    cb(err);
  }

  override _final(cb: Callback): void {
    this.closeConnection(undefined);
    cb();
    process.nextTick(destroySocket, this);
  }

  override _destroy(err: Error | null, cb: Callback): void {
    this.closeConnection(err ?? undefined);
    cb(err);
  }

  /** The adapter no longer answers through the responder (the app threw; the server answers instead). */
  release(): void {
    this.responder = null;
    this.destroy();
  }

  private closeConnection(err: Error | undefined): void {
    const responder = this.responder;
    if (responder === null || responder.aborted) return;
    if (!responder.ended) responder.abort(err);
    else this.connection?.shutdown();
  }

  // ---- write bookkeeping ----

  /** A body write reached the responder: `cb` runs once its bytes are with the connection. */
  afterWrite(cb: Callback, ok: boolean): void {
    if (ok && this.pending === null) {
      process.nextTick(cb);
      return;
    }
    (this.pending ??= []).push(cb);
    if (!ok) this.awaitDrain();
  }

  /** A write returned false: forward the connection's drain as the response's 'drain'. */
  awaitDrain(): void {
    const responder = this.responder;
    if (this.waitingDrain || responder === null) return;
    this.waitingDrain = true;
    responder.onDrain((this.drainListener ??= () => this.drained()));
  }

  private drained(): void {
    this.waitingDrain = false;
    if (this.responder === null || this.responder.aborted) return; // exchangeClosed reports it
    const callbacks = this.pending;
    this.pending = null;
    if (callbacks !== null) runCallbacks(callbacks);
    const res = this._httpMessage as (ServerResponse & Record<symbol, unknown>) | null;
    if (res !== null && !res.writableEnded) {
      if (kNeedDrain !== undefined) res[kNeedDrain] = false;
      res.emit('drain');
    }
  }

  /** The Portico exchange is over: completed (no err) or the connection died first. */
  private exchangeClosed(err?: Error): void {
    const callbacks = this.pending;
    this.pending = null;
    if (err === undefined) {
      // After 'prefinish', like node:http's write callbacks.
      if (callbacks !== null) process.nextTick(runCallbacks, callbacks);
      return;
    }
    this._hadError = true;
    if (callbacks !== null) process.nextTick(runCallbacks, callbacks, err);
    // node:http's abortIncoming: the request is destroyed with 'aborted', then the socket closes.
    const req = this.req;
    if (req !== null && !req.destroyed) req.destroy(abortedError());
    this.destroy();
  }
}

const destroySocket = (socket: PorticoSocket): void => {
  socket.destroy();
};
