// A ServerConnection (core/server-connection.ts) driven in memory: a recording
// driver instead of a socket, a clock the test moves, and a handler that keeps
// every exchange for the test to answer. No socket, no timer: bytes in, time in,
// commands and written bytes out, as h11 is tested.

import {
  DEFAULT_LIMITS,
  DEFAULT_TIMEOUTS,
  HttpError,
  ServerConnection,
  type Chunk,
  type ConnectionCommands,
  type Limits,
  type OutgoingResponse,
  type RequestBody,
  type RequestHead,
  type Timeouts,
} from '../../core/index.js';
import type { Sweepable } from '../../core/sweeper.js';
import { type RawResponse, parseResponses } from './response-reader.js';

/** The driver's side: what the machine commanded. */
export class RecordingDriver implements ConnectionCommands {
  readonly chunks: Buffer[] = [];
  /** Every setReading() call, in order. */
  readonly readingCalls: boolean[] = [];
  reading = true;
  ended = false;
  aborted = false;
  detached = false;
  /** What write() returns (false: the "socket" buffer is full). */
  accept = true;
  unsentBytes = 0;

  write(data: Chunk, latin1: boolean): boolean {
    if (this.ended || this.aborted) throw new Error('write after end');
    this.chunks.push(typeof data === 'string' ? Buffer.from(data, latin1 ? 'latin1' : 'utf8') : Buffer.from(data));
    return this.accept;
  }
  setReading(on: boolean): void {
    this.readingCalls.push(on);
    this.reading = on;
    if (on) this.onResume?.();
  }
  /** Delivers what a paused "socket" held back. */
  onResume: (() => void) | null = null;
  end(): void {
    this.ended = true;
  }
  /** close(): the FIN, then the close without waiting for the client (no lingering close). */
  closesAfterFin = false;
  close(): void {
    this.ended = true;
    this.closesAfterFin = true;
  }
  abort(): void {
    this.aborted = true;
  }
  detach(): never {
    this.detached = true;
    return { fake: 'socket' } as never;
  }

  get written(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.written.toString('latin1');
  }
  /** The connection is over (FIN sent or cut). */
  get closed(): boolean {
    return this.ended || this.aborted;
  }
  responses(headRequests?: ReadonlySet<number>): RawResponse[] {
    return parseResponses(this.written, this.closed, headRequests).responses;
  }
}

export interface Exchange {
  head: RequestHead;
  body: RequestBody;
  res: OutgoingResponse;
  /** onClose's argument once it fired (null: completed without error). */
  closedWith: Error | null | undefined;
}

export interface MemoryConnection {
  machine: ServerConnection<string>;
  driver: RecordingDriver;
  exchanges: Exchange[];
  errors: HttpError[];
  /** Times the handler heard closed(). */
  closedCalls: number;
  /** Moves the clock and sweeps. */
  advance(ms: number): void;
  /** Feeds bytes whole, or one byte per receive(); held back, as by a socket, while reading is paused. */
  feed(bytes: string | Buffer, way?: Way): void;
  /** The client's FIN, delivered after the bytes held back. */
  end(): void;
  sweeping: boolean;
}

export type Way = 'whole' | 'bytes';
export const WAYS: readonly Way[] = ['whole', 'bytes'];

export interface MemoryOptions {
  limits?: Partial<Limits>;
  timeouts?: Partial<Timeouts>;
  allowHalfOpen?: boolean;
  allowConnect?: boolean;
  /** Called for each request; default: leave it pending. */
  onRequest?: (x: Exchange, m: MemoryConnection) => void;
}

export const memoryConnection = (options: MemoryOptions = {}): MemoryConnection => {
  let now = 1_000_000;
  const driver = new RecordingDriver();
  const members = new Set<Sweepable>();
  const m = {
    driver,
    exchanges: [] as Exchange[],
    errors: [] as HttpError[],
    closedCalls: 0,
    get sweeping() {
      return members.size > 0;
    },
  } as unknown as MemoryConnection;
  m.machine = new ServerConnection<string>(
    driver,
    {
      request(head, body, res) {
        const x: Exchange = { head, body, res, closedWith: undefined };
        res.onClose((err) => (x.closedWith = err ?? null));
        m.exchanges.push(x);
        options.onRequest?.(x, m);
      },
      error(err, res) {
        m.errors.push(err);
        res.writeHead(err.status, { connection: 'close' });
        res.end(err.code);
      },
      closed() {
        m.closedCalls++;
      },
    },
    'the connection',
    {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      sweeper: { add: (x) => members.add(x), delete: (x) => members.delete(x) },
      allowHalfOpen: options.allowHalfOpen,
      allowConnect: options.allowConnect,
      now: () => now,
    },
  );
  m.advance = (ms) => {
    now += ms;
    for (const x of [...members]) x.sweep(now);
  };
  const held: Array<Buffer | 'fin'> = [];
  const deliver = (): void => {
    while (driver.reading && held.length > 0) {
      const next = held.shift()!;
      if (next === 'fin') m.machine.receiveEnd();
      else m.machine.receive(next);
    }
  };
  driver.onResume = deliver;
  m.feed = (bytes, way = 'whole') => {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    if (way === 'whole') held.push(data);
    else for (let i = 0; i < data.length; i++) held.push(data.subarray(i, i + 1));
    deliver();
  };
  m.end = () => {
    held.push('fin');
    deliver();
  };
  return m;
};

/** A handler that answers every request at once with `body` (status 200). */
export const answerAt = (body = 'ok') => (x: Exchange): void => {
  x.res.writeHead(200, { 'content-type': 'text/plain' });
  x.res.end(body);
};

/** A handler that reads the whole body through a sink, then answers with it. */
export const echoOnEnd = (x: Exchange): void => {
  const parts: Buffer[] = [];
  x.body.flow({
    data: (chunk) => void parts.push(Buffer.from(chunk)),
    end: (err) => {
      if (err !== undefined || x.res.ended) return;
      x.res.writeHead(200);
      x.res.end(Buffer.concat(parts));
    },
  });
};

export const isHttpError = (err: unknown, code: string): boolean => err instanceof HttpError && err.code === code;
