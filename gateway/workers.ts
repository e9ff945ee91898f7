// `--workers N`: the primary process forks N workers with node:cluster; each runs
// the same command line, loads the apps and listens on the shared port (each
// accepting for itself). The primary loads no app code. It restarts a
// worker that dies (with a growing delay while workers keep dying young, so a
// crash loop does not spin), forwards SIGTERM/SIGINT so every worker drains, and
// exits 0 once all are gone; SIGHUP and SIGUSR1 are passed on (signals.ts
// installs the handlers). A worker that
// cannot start (port in use, bad module) sends its one-line error up instead of
// printing it, so N failing workers still print one line, and the CLI exits 2.

import cluster, { type Worker } from 'node:cluster';
import { installSignals } from './signals.js';
import { sumSnapshots } from './status.js';

/** Messages a worker sends to the primary. */
export type WorkerMessage =
  | { portico: 'listening'; url: string }
  | { portico: 'fatal'; message: string }
  | { portico: 'stats'; snapshot: Record<string, unknown> };

/** What the primary sends each worker: the status counters summed over the cluster. */
export interface ClusterTotals {
  portico: 'totals';
  totals: Record<string, unknown>;
}

const isMessage = (m: unknown): m is WorkerMessage => typeof m === 'object' && m !== null && 'portico' in m;

export interface PrimaryOptions {
  workers: number;
  /** Printed once every worker listens: the "listening on" line. */
  onListening(url: string, workers: number): void;
  /** Printed once for a startup failure. */
  onFatal(message: string): void;
  log(line: string): void;
}

/** Runs the primary; resolves with the exit status (0 after a drain, 2 when workers cannot start). */
export const runPrimary = (options: PrimaryOptions): Promise<number> =>
  new Promise((resolve) => {
    const listening = new Set<Worker>();
    let announced = false;
    let stopping = false;
    let failed = false;
    let youngDeaths = 0;
    const startedAt = new Map<Worker, number>();
    // Status counters (--status): each worker's latest, summed and sent back every second.
    const stats = new Map<Worker, Record<string, unknown>>();
    setInterval(() => {
      if (stats.size === 0) return;
      const message: ClusterTotals = { portico: 'totals', totals: sumSnapshots(stats.values()) };
      for (const w of stats.keys()) if (w.isConnected()) w.send(message);
    }, 1000).unref();

    const fork = (): void => {
      const worker = cluster.fork();
      startedAt.set(worker, Date.now());
      worker.on('message', (m: unknown) => {
        if (!isMessage(m)) return;
        if (m.portico === 'listening') {
          listening.add(worker);
          if (!announced && listening.size === options.workers) {
            announced = true;
            options.onListening(m.url, options.workers);
          }
        } else if (m.portico === 'stats') {
          stats.set(worker, m.snapshot);
        } else if (m.portico === 'fatal' && !failed && !announced) {
          // Startup failed: the same cause would stop every worker, so stop them all.
          failed = true;
          options.onFatal(m.message);
          stopAll('SIGKILL');
        }
      });
    };

    const stopAll = (signal: NodeJS.Signals): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };

    cluster.on('exit', (worker, code, signal) => {
      const wasListening = listening.delete(worker);
      stats.delete(worker);
      const age = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(failed ? 2 : 0);
        return;
      }
      if (!wasListening && !announced && code === 2) {
        // Died at startup without reporting (should not happen; be safe): give up.
        failed = true;
        options.onFatal(`a worker could not start (exit status ${code})`);
        stopAll('SIGKILL');
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(2);
        return;
      }
      youngDeaths = age < 5_000 ? youngDeaths + 1 : 0;
      const delay = youngDeaths === 0 ? 0 : Math.min(10_000, 100 * 2 ** Math.min(youngDeaths, 7));
      options.log(`portico: worker ${worker.process.pid} ${signal ? `was killed (${signal})` : `exited (status ${code})`}; starting another${delay ? ` in ${delay} ms` : ''}`);
      setTimeout(() => {
        if (!stopping) fork();
      }, delay);
    });

    const forward = (signal: NodeJS.Signals) => (): void => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };
    installSignals({
      stop: (signal) => {
        const n = Object.keys(cluster.workers ?? {}).length;
        options.log(`portico: ${signal}: draining ${n} worker${n === 1 ? '' : 's'}`);
        stopAll('SIGTERM');
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(0);
      },
      stopNow: () => {
        stopAll('SIGKILL');
        resolve(1);
      },
      // Each worker reloads and reopens for itself.
      reload: forward('SIGHUP'),
      reopenLogs: forward('SIGUSR1'),
    });

    // Workers accept from the shared socket themselves (SCHED_NONE) instead of the
    // primary handing each connection out (round-robin): a connection handed to a
    // worker that has just died is never answered (the primary keeps its handle
    // waiting for an ack that never comes), while one left in the kernel's accept
    // queue is simply taken by a live worker.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    for (let i = 0; i < options.workers; i++) fork();
  });

/** In a worker: tell the primary how startup went. */
export const reportToPrimary = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
