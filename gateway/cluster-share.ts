// With --workers, the status page and the metrics cover the whole cluster. Each
// worker sends what it counted ({ status, metrics }, plain nested numbers) to the
// primary every second and once more as it stops (WorkerShare); the primary
// adds up every worker's latest (ClusterSums, status.ts's sumSnapshots) and
// sends the sums back each second (and at once when a worker first reports),
// so any worker answers with the cluster's numbers, up to two seconds old. The metrics' counters of workers that exited
// (recycled, retired by a rolling reload, crashed) are kept in the sums, so a
// counter never goes down; their gauges (open connections, children) are not.

import type { Worker } from 'node:cluster';
import type { MetricsSnapshot } from './metrics.js';
import { addSnapshot, sumSnapshots } from './status.js';

/** What one worker shares: the status page's snapshot and the metrics', when each is on. */
export interface SharedSnapshot {
  status?: Record<string, unknown>;
  metrics?: MetricsSnapshot;
}

/** Worker → primary. */
export interface StatsMessage {
  portico: 'stats';
  snapshot: SharedSnapshot;
}

/** Primary → workers: the sums over the cluster, with the number of workers in them. */
export interface ClusterTotals {
  portico: 'totals';
  totals: SharedSnapshot & { workers: number };
}

/** The primary's side: every worker's latest snapshot, and the counters of those gone. */
export class ClusterSums {
  private readonly latest = new Map<Worker, SharedSnapshot>();
  private readonly gone: Record<string, unknown> = {};

  record(worker: Worker, snapshot: SharedSnapshot): void {
    const first = !this.latest.has(worker);
    this.latest.set(worker, snapshot);
    // A new worker gets sums at once rather than within a second; everyone gets the same ones,
    // so that no two workers answer with sums of different ages for long.
    if (first) this.broadcast();
  }

  /** A worker exited: its metrics counters stay in the sums. */
  exited(worker: Worker): void {
    const last = this.latest.get(worker);
    this.latest.delete(worker);
    if (last?.metrics !== undefined) addSnapshot(this.gone, { metrics: { counters: last.metrics.counters } });
  }

  /** Sends the sums to every worker that reported; nothing before the first report. */
  broadcast(): void {
    if (this.latest.size === 0) return;
    const totals = sumSnapshots(this.latest.values());
    addSnapshot(totals, this.gone);
    const message: ClusterTotals = { portico: 'totals', totals: totals as unknown as ClusterTotals['totals'] };
    for (const w of this.latest.keys()) if (w.isConnected()) w.send(message);
  }
}

/** A worker's side: reports every second, and once more on flush(); keeps the latest sums. */
export class WorkerShare {
  private totals: ClusterTotals['totals'] | null = null;
  private readonly parts: { status?: () => Record<string, unknown>; metrics?: () => MetricsSnapshot } = {};

  constructor() {
    setInterval(() => this.send(), 1000).unref();
    process.on('message', (m: unknown) => {
      if ((m as ClusterTotals | null)?.portico === 'totals') this.totals = (m as ClusterTotals).totals;
    });
  }

  /** What to share under `part` (a reload replaces it). */
  share<K extends keyof WorkerShare['parts']>(part: K, snapshot: NonNullable<WorkerShare['parts'][K]>): void {
    const first = this.parts.status === undefined && this.parts.metrics === undefined;
    this.parts[part] = snapshot;
    // The first report goes now: the primary answers it with sums at once.
    if (first) setImmediate(() => this.send());
  }

  /** The cluster's status counters, as the status page shows them ({ workers, requests, ... }), or null before the first sums. */
  statusTotals(): Record<string, unknown> | null {
    return this.totals?.status === undefined ? null : { workers: this.totals.workers, ...this.totals.status };
  }

  /** The cluster's metrics, or null before the first sums. */
  metricsTotals(): { snapshot: MetricsSnapshot; workers: number } | null {
    return this.totals?.metrics === undefined ? null : { snapshot: this.totals.metrics, workers: this.totals.workers };
  }

  /** Sends the latest numbers now (before the process exits); resolves once sent. */
  flush(): Promise<void> {
    return new Promise((resolve) => (this.send(resolve) ? undefined : resolve()));
  }

  private send(done?: () => void): boolean {
    if (!process.connected || (this.parts.status === undefined && this.parts.metrics === undefined)) return false;
    const message: StatsMessage = { portico: 'stats', snapshot: { status: this.parts.status?.(), metrics: this.parts.metrics?.() } };
    process.send!(message, undefined, {}, () => done?.());
    return true;
  }
}
