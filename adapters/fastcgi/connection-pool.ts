// A bounded pool of connections to one FastCGI address, kept open with
// FCGI_KEEP_CONN (spec §5.1) so a request does not pay for a connect. At most
// `max` connections exist at once: each holds a php-fpm child for as long as it
// is open, so `max` must not exceed the pool's pm.max_children (more would sit
// in php-fpm's accept queue behind idle connections of ours). A request takes
// an idle connection (most recently used first, so the others can time out),
// else opens one under the cap, else waits in FIFO order, bounded in number and
// time (503 past either; one timer serves the whole queue, and a client that
// leaves gives up its place). Idle connections close after `idleTimeoutMs`.
// close() stops keeping connections, for a server that drains or a worker that
// retires: it holds php-fpm children that a successor needs. Idle connections
// close at once and busy ones after their request; requests still coming or
// waiting are served, and no connection is kept after them.

import net from 'node:net';
import type { FastCgiAddress } from './address.js';
import { FastCgiConnection } from './connection.js';
import { FastCgiError } from './fastcgi-error.js';
import type { Responder } from '../env.js';

export interface PoolLimits {
  max: number;
  maxQueued: number;
  queueTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

interface Waiter {
  /** A connection to use, or null: a slot came free, open one. */
  grant: (connection: FastCgiConnection | null) => void;
  fail: (err: FastCgiError) => void;
  /** When it was queued (performance.now()): the queue's one timer expires waiters in this order. */
  since: number;
}

/** The part of the client's responder the queue watches: a client that leaves while waiting leaves the queue. */
export type QueuedClient = Pick<Responder, 'aborted' | 'onClose'>;

export class ConnectionPool {
  private readonly idle: FastCgiConnection[] = [];
  private readonly waiters: Waiter[] = [];
  /** Connections open or opening. */
  private count = 0;
  private closed = false;
  /** One timer for the whole queue, set for its oldest waiter (all wait the same time, so they expire in order). */
  private queueTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly address: FastCgiAddress,
    private readonly limits: PoolLimits,
  ) {}

  get size(): number {
    return this.count;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Requests waiting for a connection now. */
  get queued(): number {
    return this.waiters.length;
  }

  /** An idle connection, at once, or null. */
  take(): FastCgiConnection | null {
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (c.idleTimer !== null) clearTimeout(c.idleTimer);
      c.idleTimer = null;
      if (c.reusable) return c;
    }
    return null;
  }

  /** A connection for one request; rejects with FastCgiError (connect failure 502, timeout 504, queue full 503). */
  async acquire(client: QueuedClient): Promise<FastCgiConnection> {
    const idle = this.take();
    if (idle !== null) return idle;
    if (this.count < this.limits.max) return this.open();
    return this.wait(client);
  }

  /** Gives a connection back after a request: to a waiter, to the idle list, or closed. */
  release(connection: FastCgiConnection, reusable: boolean): void {
    connection.finish();
    if (!reusable || !connection.reusable) {
      connection.destroy();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) return waiter.grant(connection);
    if (this.closed) return connection.destroy();
    connection.idleTimer = setTimeout(() => connection.destroy(), this.limits.idleTimeoutMs);
    connection.idleTimer.unref();
    this.idle.push(connection);
  }

  /** Keeps no connection from now on: idle ones close now, busy ones when their request (or a waiting one) is done. */
  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
  }

  private open(): Promise<FastCgiConnection> {
    this.count++;
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.address.connect);
      const timer = setTimeout(() => {
        socket.destroy();
        settle(new FastCgiError('ERR_FCGI_CONNECT_TIMEOUT', `Cannot connect to FastCGI at ${this.address.label} within ${this.limits.connectTimeoutMs} ms`));
      }, this.limits.connectTimeoutMs);
      let done = false;
      const settle = (err: Error | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off('error', onError);
        if (err !== null) {
          this.gone();
          return reject(err);
        }
        resolve(new FastCgiConnection(socket, (c) => this.forget(c)));
      };
      const onError = (err: NodeJS.ErrnoException): void =>
        settle(new FastCgiError('ERR_FCGI_CONNECT', `Cannot connect to FastCGI at ${this.address.label}: ${err.code ?? err.message}`));
      socket.once('error', onError);
      socket.once('connect', () => settle(null));
    });
  }

  private wait(client: QueuedClient): Promise<FastCgiConnection> {
    if (this.waiters.length >= this.limits.maxQueued || client.aborted) {
      return Promise.reject(new FastCgiError('ERR_FCGI_BUSY', `All ${this.limits.max} FastCGI connections to ${this.address.label} are busy`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (connection) => (connection !== null ? resolve(connection) : this.open().then(resolve, reject)),
        fail: reject,
        since: performance.now(),
      };
      this.waiters.push(waiter);
      // Close callbacks cannot be taken back: once granted, the waiter is no longer found.
      client.onClose((err) => (err === undefined ? undefined : this.expire(waiter)));
      this.armQueueTimer();
    });
  }

  /** Takes a waiter out of the queue with 503, unless it was granted already. */
  private expire(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i === -1) return;
    this.waiters.splice(i, 1);
    waiter.fail(new FastCgiError('ERR_FCGI_BUSY', `No FastCGI connection to ${this.address.label} came free within ${this.limits.queueTimeoutMs} ms`));
  }

  private armQueueTimer(): void {
    if (this.queueTimer !== null || this.waiters.length === 0) return;
    const left = this.waiters[0]!.since + this.limits.queueTimeoutMs - performance.now();
    this.queueTimer = setTimeout(() => this.onQueueTimer(), Math.max(1, Math.ceil(left)));
    // Queued requests keep their clients' sockets, which keep the process alive: the timer need not.
    this.queueTimer.unref();
  }

  /** Expires the waiters whose time is up (oldest first), then waits for the next oldest. */
  private onQueueTimer(): void {
    this.queueTimer = null;
    const now = performance.now();
    while (this.waiters.length > 0 && now - this.waiters[0]!.since >= this.limits.queueTimeoutMs) this.expire(this.waiters[0]!);
    this.armQueueTimer();
  }

  /** A connection died (closed by either side): its slot goes to the first waiter, who opens a new one. */
  private forget(connection: FastCgiConnection): void {
    const i = this.idle.indexOf(connection);
    if (i !== -1) this.idle.splice(i, 1);
    this.gone();
  }

  private gone(): void {
    this.count--;
    const waiter = this.waiters.shift();
    // The freed slot goes to the waiter, whose open() counts it again.
    if (waiter !== undefined) waiter.grant(null);
  }
}
