// Every mount gives its app a time to the response head (60 s by default, like
// nginx's proxy_read_timeout in front of an upstream): past it the client gets
// a 504 and the connection closes, instead of waiting for ever on an app that
// forgot to answer. Only the head is timed, so a stream that has begun (SSE, a
// long download) is never cut.
//
// One interval for all waiting responses, not a timer per request: an app that
// answers during its call is never armed, the others join a set they leave when
// their response closes, and each tick (a quarter of the shortest timeout,
// 50 ms to 1 s) preempts those past their deadline. A timeout fires up to a tick late.

import { HttpError, type Connection, type OutgoingResponse } from '../core/index.js';

/** The default time to the response head: nginx's proxy_read_timeout. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;

interface Waiting {
  res: OutgoingResponse;
  conn: Connection;
  deadline: number;
}

export class ResponseDeadlines {
  private readonly waiting = new Set<Waiting>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;

  /** `shortestMs` is the smallest timeout any mount has; it sets the tick. */
  constructor(shortestMs: number) {
    this.tickMs = Math.max(50, Math.min(1000, Math.floor(shortestMs / 4)));
  }

  /** Starts timing `res`, unless its head is already out. */
  arm(ms: number, res: OutgoingResponse, conn: Connection): void {
    if (res.headersSent || res.ended) return;
    const entry: Waiting = { res, conn, deadline: Date.now() + ms };
    this.waiting.add(entry);
    res.onClose(() => this.waiting.delete(entry));
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const entry of this.waiting) {
      const { res } = entry;
      if (res.headersSent || res.ended) {
        this.waiting.delete(entry);
      } else if (now >= entry.deadline) {
        this.waiting.delete(entry);
        entry.conn.preempt(res, new HttpError('ERR_RESPONSE_TIMEOUT', 504, 'The application did not answer in time.'));
      }
    }
    if (this.waiting.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
