// One request and its response, as the node adapter tracks them: the Portico
// responder the ServerResponse writes to, the body of a response ended in one
// call (kept for one responder.end(), so that it goes out with Content-Length),
// and the write bookkeeping node:http keeps on its socket: write callbacks run
// once the bytes are with the connection, or after 'drain' when the connection
// is behind, and the response's 'drain' is forwarded. The socket itself is the
// connection's (connection-socket.ts); this small object is all a request adds.
// When the exchange dies before its response is complete (the client reset or
// sent its FIN, the app destroyed the socket, the server answered instead),
// node:http's abortIncoming is replayed: the request is destroyed ('aborted'
// when incomplete, then 'close'), the response closes without 'finish' and is
// destroyed, and pending write callbacks get the error.

import type { HeadOptions } from '../../core/index.js';
import type { Chunk, Responder } from '../env.js';
import { abortedError, emitResponseClose, kNeedDrain } from './node-internals.js';
import { destroyRequest, type NodeRequest } from './request.js';
import type { NodeResponse } from './response.js';

type Callback = (err?: Error | null) => void;

/** How the server running the app wants its heads written. */
export interface HeadPolicy {
  /** Passed to every responder.writeHead (node:http's Connection and Keep-Alive fields), or undefined. */
  readonly options: HeadOptions | undefined;
  /** This is the connection's last request (maxRequestsPerSocket): the response closes it. */
  readonly last: boolean;
}

/** Heads as the gateway writes them: persistence is its business. */
export const GATEWAY_POLICY: HeadPolicy = { options: undefined, last: false };

const runCallbacks = (callbacks: Callback[], err?: Error): void => {
  for (const cb of callbacks) cb(err);
};

export class Exchange {
  /** The Portico response this exchange writes to; null once the adapter gave it up or it died. */
  responder: Responder | null;
  res: NodeResponse | null = null;
  /** The body of a response ended in one call (res.end(body)), kept for one responder.end(). */
  holding = false;
  heldBody: Chunk | undefined = undefined;
  private pending: Callback[] | null = null;
  private waitingDrain = false;

  constructor(
    responder: Responder,
    readonly req: NodeRequest,
    readonly policy: HeadPolicy,
  ) {
    this.responder = responder;
    responder.onClose((err) => this.closed(err));
  }

  /** The responder may still be written to. */
  get live(): boolean {
    const responder = this.responder;
    return responder !== null && !responder.aborted;
  }

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
    responder.onDrain(() => this.drained());
  }

  private drained(): void {
    this.waitingDrain = false;
    if (!this.live) return; // closed() reports it
    const callbacks = this.pending;
    this.pending = null;
    if (callbacks !== null) runCallbacks(callbacks);
    const res = this.res as (NodeResponse & Record<symbol, unknown>) | null;
    if (res !== null && !res.writableEnded) {
      if (kNeedDrain !== undefined) res[kNeedDrain] = false;
      res.emit('drain');
    }
  }

  /**
   * The adapter no longer answers through the responder (the app threw and the
   * server answers instead): the app's objects are cut loose, so its late
   * writes go nowhere.
   */
  release(): void {
    if (this.responder === null) return;
    this.responder = null;
    this.abandon(abortedError());
  }

  /** The Portico exchange is over: completed (no err) or it died first. */
  private closed(err?: Error): void {
    if (err === undefined) {
      const callbacks = this.pending;
      this.pending = null;
      // After 'prefinish', like node:http's write callbacks.
      if (callbacks !== null) process.nextTick(runCallbacks, callbacks);
      return;
    }
    if (this.responder === null) return;
    this.responder = null;
    this.abandon(abortedError());
  }

  private abandon(err: Error): void {
    const callbacks = this.pending;
    this.pending = null;
    if (callbacks !== null) process.nextTick(runCallbacks, callbacks, err);
    // node:http's abortIncoming, then onServerResponseClose.
    const req = this.req;
    if (!req.destroyed) destroyRequest(req, err);
    const res = this.res;
    if (res !== null && !res.writableFinished) {
      // end() after this goes through _send (a no-op now), never straight to 'finish'.
      res._headerSent = false;
      emitResponseClose(res);
    }
  }
}
