// `--workers N`: the primary process forks N workers with node:cluster; each runs
// the same command line, loads the apps and listens on the shared port (each
// accepting for itself). The primary loads no app code. It restarts a
// worker that dies (with a growing delay while workers keep dying young, so a
// crash loop does not spin), forwards SIGTERM/SIGINT so every worker drains, and
// exits 0 once all are gone; SIGUSR1 is passed on (signals.ts installs the
// handlers). SIGHUP is a rolling reload: N new workers start (each reads the
// config afresh) and, once all of them listen on the shared socket, the old ones
// are told to retire (stop accepting, finish what they serve, answer one more
// request on each idle keep-alive connection with Connection: close). A new
// worker that cannot start, or listens elsewhere, refuses the reload and the old
// ones go on; an old one that dies meanwhile is replaced by the successors (or,
// if the reload is refused, by a fresh worker). A worker that
// cannot start (port in use, bad module) sends its one-line error up instead of
// printing it, so N failing workers still print one line, and the CLI exits 2.
// A php: mount that needs a php-fpm started gets one for all the workers, from
// the primary (shared-php-fpm.ts); it is stopped after the workers drain.

import cluster, { type Worker } from 'node:cluster';
import { installSignals } from './signals.js';
import { ClusterSums, type StatsMessage } from './cluster-share.js';
import { SharedPhpFpms, type PhpFpmRequest } from './shared-php-fpm.js';

/** Messages a worker sends to the primary. */
export type WorkerMessage =
  | { portico: 'listening'; url: string; workers?: number }
  | { portico: 'fatal'; message: string }
  | StatsMessage
  | PhpFpmRequest;

/** What the primary tells an old worker once its successors listen. */
export interface RetireMessage {
  portico: 'retire';
}

const isMessage = (m: unknown): m is WorkerMessage => typeof m === 'object' && m !== null && 'portico' in m;

/** In a worker: runs `retire` when a rolling reload retires this worker. */
export const onRetire = (retire: () => void): void => {
  process.on('message', (m: unknown) => {
    if ((m as RetireMessage | null)?.portico === 'retire') retire();
  });
};

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
  new Promise((settle) => {
    const listening = new Set<Worker>();
    const phpFpm = new SharedPhpFpms(options.workers);
    // The php-fpm pools stop once the workers are gone (their requests are done).
    const resolve = (status: number): void => void phpFpm.close().then(() => settle(status));
    /** Pools no worker uses are stopped once every live worker has loaded its mounts. */
    const sweepPhpFpm = (): void => {
      const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      if (live.every((w) => listening.has(w))) phpFpm.sweep(live);
    };
    let announced = false;
    let stopping = false;
    let failed = false;
    let youngDeaths = 0;
    const startedAt = new Map<Worker, number>();
    // Status counters and metrics (--status, --metrics): each worker's latest, summed and sent back every second.
    const sums = new ClusterSums();
    setInterval(() => sums.broadcast(), 1000).unref();

    /** Where the first workers listen: successors must listen there too. */
    let url: string | null = null;
    // A rolling reload under way: the successors still starting, the workers they replace,
    // and how many of those died meanwhile (forked again if the reload is refused).
    let reload: { starting: Set<Worker>; replacing: Set<Worker>; lost: number } | null = null;
    /** A SIGHUP came during a reload: one more after it. */
    let again = false;
    /** Workers that leave on purpose (retired, or a refused reload's): not replaced when they exit. */
    const leaving = new Set<Worker>();
    const reloadDone = (): void => {
      reload = null;
      if (again) {
        again = false;
        startReload();
      }
    };
    const refuseReload = (why: string): void => {
      if (reload === null) return;
      options.log(`portico: SIGHUP: reload refused: ${why}; the running workers keep serving`);
      for (const w of reload.starting) {
        leaving.add(w);
        w.process.kill('SIGKILL');
      }
      for (let i = 0; i < reload.lost; i++) fork();
      reloadDone();
    };
    const startReload = (): void => {
      if (stopping || failed || !announced) return;
      if (reload !== null) {
        again = true;
        return;
      }
      const replacing = new Set(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !leaving.has(w)));
      reload = { starting: new Set(), replacing, lost: 0 };
      for (let i = 0; i < options.workers; i++) reload.starting.add(fork());
    };
    /** A successor listens: once all do, the old workers retire. */
    const successorListening = (worker: Worker, m: { url: string; workers?: number }): void => {
      if (reload === null || !reload.starting.has(worker)) return;
      if (m.url !== url) return refuseReload(`the new workers listen on ${m.url}, not ${url}; the address needs a restart`);
      if (m.workers !== undefined && m.workers !== options.workers) return refuseReload(`--workers cannot change on reload (${options.workers} running, ${m.workers} asked); restart instead`);
      reload.starting.delete(worker);
      if (reload.starting.size > 0) return;
      for (const old of reload.replacing) {
        leaving.add(old);
        if (old.isConnected()) old.send({ portico: 'retire' } satisfies RetireMessage);
      }
      const n = options.workers;
      options.log(`portico: SIGHUP: ${n} new worker${n === 1 ? '' : 's'} listening; ${reload.replacing.size} old draining`);
      reloadDone();
    };

    const fork = (): Worker => {
      const worker = cluster.fork();
      startedAt.set(worker, Date.now());
      worker.on('message', (m: unknown) => {
        if (!isMessage(m)) return;
        if (m.portico === 'listening') {
          listening.add(worker);
          url ??= m.url;
          successorListening(worker, m);
          sweepPhpFpm();
          if (!announced && listening.size === options.workers) {
            announced = true;
            options.onListening(m.url, options.workers);
          }
        } else if (m.portico === 'php-fpm') {
          phpFpm.serve(worker, m);
        } else if (m.portico === 'stats') {
          sums.record(worker, m.snapshot);
        } else if (m.portico === 'fatal' && reload !== null && reload.starting.has(worker)) {
          refuseReload(m.message);
        } else if (m.portico === 'fatal' && !failed && !announced) {
          // Startup failed: the same cause would stop every worker, so stop them all.
          failed = true;
          options.onFatal(m.message);
          stopAll('SIGKILL');
        }
      });
      return worker;
    };

    const stopAll = (signal: NodeJS.Signals): void => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
    };

    cluster.on('exit', (worker, code, signal) => {
      const wasListening = listening.delete(worker);
      sums.exited(worker);
      if (!stopping) sweepPhpFpm();
      const age = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      const how = signal ? `was killed (${signal})` : `exited (status ${code})`;
      if (reload !== null && reload.starting.has(worker)) refuseReload(`a new worker ${how} before listening`);
      if (leaving.delete(worker) && !stopping) return;
      if (reload !== null && reload.replacing.delete(worker) && !stopping) {
        // Its successors are starting: they replace it (or a fresh worker does, if the reload is refused).
        reload.lost++;
        options.log(`portico: worker ${worker.process.pid} ${how} during a reload; its successor replaces it`);
        return;
      }
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
      options.log(`portico: worker ${worker.process.pid} ${how}; starting another${delay ? ` in ${delay} ms` : ''}`);
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
        // No wait for php-fpm: the exit stops it at once (php-fpm.ts).
        settle(1);
      },
      // A rolling restart; each worker reopens its own log.
      reload: startReload,
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
