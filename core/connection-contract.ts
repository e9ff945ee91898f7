// What a ServerConnection (server-connection.ts) needs and gives, apart from the
// machine itself: the commands its driver carries out on a transport (the only
// I/O it ever asks for), the handler that serves its exchanges, and its options.
// core/connection.ts drives it on a node:net socket; spec/helpers drive it in
// memory with the same two interfaces.

import type { HttpError } from './errors.js';
import type { RequestBody } from './request-body.js';
import type { RequestHead } from './request-parser.js';
import type { Chunk, OutgoingResponse, ResponseChannel } from './response.js';
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
  /** Sends what was queued, then the FIN; the transport closes when the peer closes its side (a lingering close). */
  end(): void;
  /** Sends what was queued and the FIN, then closes the transport once the FIN is written, without waiting for the peer (no lingering close). */
  close(): void;
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
  /** An Expect other than 100-continue reaches the handler, which answers it (else 417 here). */
  passExpectations?: boolean;
  /** The clock (tests drive it). */
  now?: () => number;
}
