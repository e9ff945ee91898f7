// One interval timer for all connections instead of a timer per request: every
// tick, each live connection compares its own timestamps with its timeouts.
// Arming and clearing per-request timers costs more than the check; the price is
// that a timeout fires up to one tick late. The tick is a quarter of the
// shortest timeout, between 50 ms and 1 s.

export interface Sweepable {
  sweep(now: number): void;
}

export class Sweeper {
  private readonly members = new Set<Sweepable>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs: number) {}

  static forTimeouts(timeouts: Record<string, number>): Sweeper {
    const shortest = Math.min(...Object.values(timeouts).filter((t) => t > 0));
    return new Sweeper(Math.max(50, Math.min(1000, Math.floor(shortest / 4))));
  }

  add(member: Sweepable): void {
    this.members.add(member);
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  delete(member: Sweepable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const member of this.members) member.sweep(now);
  }
}
