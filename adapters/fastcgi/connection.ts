// One connection to a FastCGI application, carrying one request at a time
// (php-fpm does not multiplex, and FCGI_MPXS_CONNS is not asked for). Records
// are parsed as they arrive and handed to the current request's sink; records
// with any other request id (a late answer to a request that was aborted, or
// an application that interleaves) are dropped, never mistaken for ours.
// Request ids cycle through 1..65535 on each connection so that a stale answer
// cannot carry the id of the request after it. A protocol error or a close
// while a request is on the connection is reported to its sink; the
// connection is then dead and never reused.

import type { Socket } from 'node:net';
import { FastCgiProtocolError, RecordParser, type RecordEvent } from './record-parser.js';

export interface RecordSink {
  record(event: RecordEvent): void;
  /** The connection failed or closed while this request was on it. */
  closed(err: Error): void;
}

export class FastCgiConnection {
  private readonly parser = new RecordParser();
  private sink: RecordSink | null = null;
  private lastId = 0;
  /** The id of the request on the connection, 0 when none. */
  requestId = 0;
  dead = false;
  /** A request ran on it before (a kept connection). */
  used = false;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: Socket,
    private readonly onDead: (connection: FastCgiConnection) => void,
  ) {
    socket.setNoDelay(true);
    // The socket reads on its own while flowing (its handle reads until paused), so the
    // stream's "read more" step, a process.nextTick after every chunk that only asks
    // again, is skipped, as the engine does for its own sockets (core/connection.ts).
    (socket as unknown as { _readableState: { readingMore: boolean } })._readableState.readingMore = true;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.die(err));
    socket.on('close', () => this.die(new FastCgiProtocolError('FastCGI connection closed')));
  }

  /** Puts a request on the connection; returns its id. */
  begin(sink: RecordSink): number {
    this.lastId = this.lastId >= 0xffff ? 1 : this.lastId + 1;
    this.requestId = this.lastId;
    this.sink = sink;
    return this.requestId;
  }

  /** The request is done with the connection. */
  finish(): void {
    this.sink = null;
    this.requestId = 0;
  }

  /** True when the connection can carry another request: alive, and not in the middle of a record. */
  get reusable(): boolean {
    return !this.dead && this.parser.idle && !this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
    this.die(new FastCgiProtocolError('FastCGI connection closed'));
  }

  private onData(chunk: Buffer): void {
    let events: RecordEvent[];
    try {
      events = this.parser.push(chunk);
    } catch (err) {
      this.socket.destroy();
      return this.die(err as Error);
    }
    for (const event of events) {
      if (event.requestId === this.requestId && this.sink !== null) this.sink.record(event);
    }
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.socket.destroy();
    const sink = this.sink;
    this.sink = null;
    this.onDead(this);
    sink?.closed(err);
  }
}
