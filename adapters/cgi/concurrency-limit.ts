// A cap on programs running at once for one mount, with a bounded wait queue:
// a process per request is the costliest thing Portico does, and a burst must
// not fork-bomb the host. A request takes a free slot synchronously; otherwise
// it waits in FIFO order, up to `maxQueued` requests and `queueTimeoutMs` each,
// and is refused past either (the caller answers 503 with Retry-After, RFC 9110
// §15.6.4). A client that leaves while queued gives up its place.

interface Waiter {
  grant: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}

export class ConcurrencyLimit {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly max: number,
    private readonly maxQueued: number,
    private readonly queueTimeoutMs: number,
  ) {}

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.queue.length;
  }

  /** Programs running now. */
  get running(): number {
    return this.active;
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.active >= this.max) return false;
    this.active++;
    return true;
  }

  /** Waits for a slot: true once granted, false when the queue is full, the wait timed out or `signal` aborted. */
  wait(signal: AbortSignal): Promise<boolean> {
    if (this.queue.length >= this.maxQueued || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const leave = (): void => {
        clearTimeout(waiter.timer);
        signal.removeEventListener('abort', leave);
        const i = this.queue.indexOf(waiter);
        if (i !== -1) this.queue.splice(i, 1);
        resolve(false);
      };
      const waiter: Waiter = {
        grant: (ok) => {
          clearTimeout(waiter.timer);
          signal.removeEventListener('abort', leave);
          resolve(ok);
        },
        timer: setTimeout(leave, this.queueTimeoutMs),
      };
      signal.addEventListener('abort', leave, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Gives a slot back: to the first waiter, else to the pool. */
  release(): void {
    const next = this.queue.shift();
    if (next !== undefined) next.grant(true);
    else this.active--;
  }
}
