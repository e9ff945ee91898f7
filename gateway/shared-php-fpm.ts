// With --workers, a php: mount that needs a php-fpm started for it gets one for
// the whole server, as lighttpd's bin-path or nginx with one php-fpm: the
// primary starts it (startPhpFpm, which supervises it and leaves no orphan,
// even when the primary is SIGKILLed) the first time a worker asks for that
// mount, and every worker connects to its address. The pool has CHILDREN_PER_WORKER
// children per worker, and each worker keeps at most that many connections, so
// the workers' kept connections never exceed the pool's children (a connection
// holds a child). A rolling reload keeps it: the successors ask for the same
// mount and get the running pool (PHP reads its scripts afresh itself, and a
// second pool would double PHP's memory during the overlap); a pool that no live
// worker uses once they have all loaded their mounts (the reload dropped the
// mount, or gave it --php-fpm ADDRESS) is stopped. The primary stops them all
// after its workers have drained.

import type { Worker } from 'node:cluster';
import type { PhpFpm } from '../adapters/fastcgi/php-fpm.js';
import { firstLine } from './config-error.js';

/** Worker → primary: the php-fpm of a mount, please. */
export interface PhpFpmRequest {
  portico: 'php-fpm';
  id: number;
  mount: string;
}

/** Primary → worker: its address and the connections this worker may keep, or why there is none. */
export interface PhpFpmReply {
  portico: 'php-fpm';
  id: number;
  address?: string;
  children?: number;
  error?: string;
}

/** Connections each worker keeps to a shared pool, and the pool's children per worker (startPhpFpm's default alone). */
export const CHILDREN_PER_WORKER = 4;

interface Pool {
  fpm: Promise<PhpFpm>;
  users: Set<Worker>;
}

/** The primary's side: one pool per mount, started on the first request for it. */
export class SharedPhpFpms {
  private readonly pools = new Map<string, Pool>();
  private readonly stopping: Array<Promise<void>> = [];

  constructor(private readonly workers: number) {}

  /** Answers a worker's request, starting the mount's pool if it is the first. */
  serve(worker: Worker, request: PhpFpmRequest): void {
    let pool = this.pools.get(request.mount);
    if (pool === undefined) {
      const children = CHILDREN_PER_WORKER * this.workers;
      pool = { fpm: import('../adapters/fastcgi/php-fpm.js').then(({ startPhpFpm }) => startPhpFpm({ children })), users: new Set() };
      this.pools.set(request.mount, pool);
      // A pool that did not start is forgotten, so that the next request (a reload, a fresh worker) tries again.
      const failed = pool;
      pool.fpm.catch(() => this.pools.get(request.mount) === failed && this.pools.delete(request.mount));
    }
    pool.users.add(worker);
    const reply = (m: Omit<PhpFpmReply, 'portico' | 'id'>): void => {
      if (worker.isConnected()) worker.send({ portico: 'php-fpm', id: request.id, ...m } satisfies PhpFpmReply);
    };
    pool.fpm.then(
      (fpm) => reply({ address: fpm.address, children: CHILDREN_PER_WORKER }),
      (err: unknown) => reply({ error: firstLine(err) }),
    );
  }

  /**
   * Stops the pools no live worker uses. `live` are the workers running now;
   * call it only when each of them has loaded its mounts (so has asked for
   * every pool it will use).
   */
  sweep(live: readonly Worker[]): void {
    for (const [mount, pool] of this.pools) {
      for (const w of pool.users) if (!live.includes(w)) pool.users.delete(w);
      if (pool.users.size > 0) continue;
      this.pools.delete(mount);
      this.stopping.push(pool.fpm.then((fpm) => fpm.close(), () => {}));
    }
  }

  /** Stops every pool, letting each finish the requests it has (SIGQUIT, then harder). */
  async close(): Promise<void> {
    this.sweep([]);
    await Promise.all(this.stopping);
  }
}

// ---- the worker's side ----

let nextId = 0;

/** In a --workers worker: the address of the primary's php-fpm for `mount`, and how many connections to keep. */
export const phpFpmFromPrimary = (mount: string): Promise<{ address: string; children: number }> =>
  new Promise((resolve, reject) => {
    const id = ++nextId;
    const onMessage = (m: unknown): void => {
      const reply = m as PhpFpmReply | null;
      if (reply?.portico !== 'php-fpm' || reply.id !== id) return;
      process.off('message', onMessage);
      if (reply.address !== undefined) resolve({ address: reply.address, children: reply.children ?? CHILDREN_PER_WORKER });
      else reject(new Error(reply.error ?? 'the primary started no php-fpm'));
    };
    process.on('message', onMessage);
    process.send!({ portico: 'php-fpm', id, mount } satisfies PhpFpmRequest);
  });
