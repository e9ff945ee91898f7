// Starts one Portico process from a validated config: loads the mounted apps,
// adds the status page, opens the access log, reads the TLS files, calls serve()
// and returns the hooks the signals run (signals.ts installs them): stop() for
// SIGTERM/SIGINT, reload() for SIGHUP, reopenLogs() for SIGUSR1. A reload reads
// the whole config again (flags and file, app modules imported afresh), builds
// the same way and hands the result to Server.reconfigure() (reload.ts decides
// what may change and reports); the status counters, the cgi count and an
// access log that stays the same file outlive it. Apps loaded from targets that
// hold resources (a php-fpm started for php:DIR, kept FastCGI connections) have a
// close(): stop() runs it after the drain, and a reload runs the old
// generation's once its requests have had their drain time. Listen failures
// (port in use, no permission) become ConfigErrors with one line; the CLI
// prints them and exits 2. A stale Unix socket file (its server died without
// removing it) is removed before listening.

import cluster from 'node:cluster';
import fs from 'node:fs';
import net from 'node:net';
import { serve, type Server, type ServeOptions } from './server.js';
import { createAccessLog, type AccessLog, type AccessLogEntry } from './access-log.js';
import { ConfigError, firstLine, type PorticoConfig } from './config.js';
import { loadMounts } from './load-app.js';
import { SERVE_KEYS, mountDefaults } from './options-schema.js';
import { StatusCounters, statusApp, type StatusSources } from './status.js';
import { WorkerShare } from './cluster-share.js';
import { Metrics, metricsApp, type MetricsSources } from './metrics.js';
import { consoleLogger, setConsoleLogFormat } from './log.js';
import { reloader } from './reload.js';
import { Target, type MountSpec } from './target.js';
import type { App, AppStats, AppWithStats } from '../adapters/env.js';

const isCgi = (m: MountSpec | undefined): boolean =>
  m instanceof Target ? m.type === 'cgi' : typeof m === 'object' && m.app instanceof Target && m.app.type === 'cgi';

export interface Launched {
  server: Server;
  /** Drains and closes the server, then flushes the access log (lingerIdle: see Server.close). */
  stop(lingerIdle?: boolean): Promise<void>;
  /** SIGHUP: reads the config again and applies it, or refuses it with one line in the error log. */
  reload: () => Promise<void>;
  /** SIGUSR1: reopens the access log file; undefined without one. */
  reopenLogs: (() => void) | undefined;
}

const readTls = (config: PorticoConfig): { key: Buffer; cert: Buffer } => {
  try {
    return { key: fs.readFileSync(config.tlsKey!), cert: fs.readFileSync(config.tlsCert!) };
  } catch (err) {
    throw new ConfigError(`--tls-cert/--tls-key: cannot read: ${firstLine(err)}`);
  }
};

const listenError = (err: NodeJS.ErrnoException, options: ServeOptions): ConfigError => {
  const where = options.path !== undefined ? `socket ${options.path}` : `port ${options.port ?? 8080} on ${options.host ?? '127.0.0.1'}`;
  if (err.code === 'EADDRINUSE') return new ConfigError(`${where} is already in use`);
  if (err.code === 'EACCES') return new ConfigError(`no permission to listen on ${where}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new ConfigError(`cannot listen on ${where}: no such local address`);
  return new ConfigError(`cannot listen on ${where}: ${firstLine(err)}`);
};

/** A certificate or key OpenSSL refused, as one line; other errors as they are. */
const tlsError = (err: unknown, config: PorticoConfig, options: ServeOptions): unknown => {
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  if (options.tls !== undefined && (code.startsWith('ERR_OSSL') || /routines|PEM|certificate|key/i.test(String(err)))) {
    return new ConfigError(`${config.tlsCert !== undefined ? '--tls-cert/--tls-key' : 'tls'}: not a usable certificate and key: ${firstLine(err)}`);
  }
  return err;
};

/** The access log file in use, and what it was opened as (a reload with the same keeps it open). */
interface OpenLog {
  log: AccessLog;
  destination: string;
  format: string;
}

/** What outlives a reload. */
interface Shared {
  cgi: { inFlight: number };
  counters: StatusCounters | null;
  metrics: Metrics | null;
  server: Server | null;
  accessLog: OpenLog | null;
  /** In a --workers worker with a status page or metrics: the numbers shared with the primary. */
  share: WorkerShare | null;
}

/** One generation's serve() options from `config`, with its apps loaded, status page, metrics and access log. */
interface Prepared {
  options: ServeOptions;
  accessLog: OpenLog | null;
  /** Once it serves: the numbers this generation reads are the ones shared with the primary. */
  publish(): void;
  /** Closes the apps it loaded that hold resources. */
  closeApps(): Promise<void>;
}

/** Builds a generation from `config`; anything it opened is closed again if it fails. */
const prepare = async (config: PorticoConfig, shared: Shared): Promise<Prepared> => {
  const closable: Array<{ close(): Promise<void> }> = [];
  const closeApps = (): Promise<void> => Promise.all(closable.splice(0).map((a) => a.close().catch(() => {}))).then(() => {});
  try {
    return { ...(await build(config, shared, closable)), closeApps };
  } catch (err) {
    await closeApps();
    throw err;
  }
};

const build = async (config: PorticoConfig, shared: Shared, closable: Array<{ close(): Promise<void> }>): Promise<Omit<Prepared, 'closeApps'>> => {
  const cgi = shared.cgi;
  const counted = countCgi(cgi);
  const keep = (app: App, target: Target): App => {
    if (typeof (app as { close?: unknown }).close === 'function') closable.push(app as App & { close(): Promise<void> });
    return counted(app, target);
  };
  const mounts = await loadMounts(config.mounts, config.app, config.kind, keep, mountDefaults(config));
  const hasCgi = [config.app, ...Object.values(config.mounts ?? {})].some((m) => isCgi(m));
  if (Object.keys(mounts).length === 0) throw new ConfigError('nothing to serve: give a MODULE, a --mount or a --config (see portico --help)');
  const options: ServeOptions = {};
  // serve()'s own keys pass through; app, mounts and accessLog are built here.
  for (const key of SERVE_KEYS) if (config[key] !== undefined && key !== 'app' && key !== 'mounts' && key !== 'accessLog') (options as Record<string, unknown>)[key] = config[key];
  if (config.socket !== undefined) options.path = config.socket;
  if (config.tlsCert !== undefined) options.tls = { ...config.tls, ...readTls(config) };
  const redirect = config.redirectHttp;
  if (redirect !== undefined && options.tls === undefined && (typeof redirect === 'number' || redirect.httpsPort === undefined)) {
    throw new ConfigError('--redirect-http needs --tls-cert and --tls-key (or, when TLS ends in front of Portico, redirectHttp: { port, httpsPort } in a config file)');
  }

  const publish: Array<(share: WorkerShare) => void> = [];
  if ((config.status !== undefined || config.metrics !== undefined) && cluster.isWorker) shared.share ??= new WorkerShare();
  const share = shared.share;
  let counters: StatusCounters | null = null;
  if (config.status !== undefined) {
    const c = (counters = shared.counters ??= new StatusCounters());
    const sources: StatusSources = {
      connections: () => ({ open: shared.server?.connectionCount ?? 0, total: shared.server?.acceptedCount ?? 0 }),
    };
    if (hasCgi) sources.cgiInFlight = () => cgi.inFlight;
    if (share !== null) sources.cluster = () => share.statusTotals();
    // The server's rate limit is for apps, not for the status page.
    mounts[config.status] = { app: statusApp(c, sources), rateLimit: false };
    publish.push((sh) => sh.share('status', () => c.snapshot(sources)));
  }
  let metrics: Metrics | null = null;
  if (config.metrics !== undefined) {
    const m = (metrics = shared.metrics ??= new Metrics());
    const table = { ...mounts };
    const sources: MetricsSources = {
      openConnections: () => shared.server?.connectionCount ?? 0,
      acceptedConnections: () => shared.server?.acceptedCount ?? 0,
      children: () => {
        const out: Array<[string, AppStats]> = [];
        for (const [prefix, spec] of Object.entries(table)) {
          const stats = ((typeof spec === 'function' ? spec : spec.app) as AppWithStats).stats;
          if (stats !== undefined) out.push([prefix, stats()]);
        }
        return out;
      },
    };
    if (share !== null) sources.cluster = () => share.metricsTotals();
    mounts[config.metrics] = { app: metricsApp(m, sources), rateLimit: false };
    publish.push((sh) => sh.share('metrics', () => m.snapshot(sources)));
  }
  let accessLog: OpenLog | null = null;
  if (typeof config.accessLog === 'string') {
    const format = config.logFormat ?? 'combined';
    const kept = shared.accessLog;
    // The same file and format: the open log goes on (a reload is not a rotation; SIGUSR1 is).
    if (kept !== null && kept.destination === config.accessLog && kept.format === format) accessLog = kept;
    else {
      try {
        accessLog = { log: createAccessLog(config.accessLog, format), destination: config.accessLog, format };
      } catch (err) {
        throw new ConfigError(`--access-log: cannot open ${config.accessLog}: ${firstLine(err)}`);
      }
    }
  }
  const hook = typeof config.accessLog === 'function' ? config.accessLog : accessLog ? accessLog.log.write : null;
  // The per-exchange hook feeds each that is on: status counters, metrics, the access log.
  const sinks = [counters && ((e: AccessLogEntry) => counters.record(e)), metrics && ((e: AccessLogEntry) => metrics.record(e)), hook].filter(
    (f): f is (e: AccessLogEntry) => void => f !== null,
  );
  if (sinks.length === 1) options.accessLog = sinks[0];
  else if (sinks.length > 1) options.accessLog = (e) => sinks.forEach((f) => f(e));
  options.mounts = mounts;
  return { options, accessLog, publish: () => share !== null && publish.forEach((p) => p(share)) };
};

/**
 * Builds serve()'s options from the config and starts the server. `reread`
 * reads the config again (flags and file) for a reload; without it SIGHUP
 * applies the same config again (TLS files read again, app modules imported afresh).
 */
export const launch = async (config: PorticoConfig, reread: () => Promise<PorticoConfig> = async () => config): Promise<Launched> => {
  const shared: Shared = { cgi: { inFlight: 0 }, counters: null, metrics: null, server: null, accessLog: null, share: null };
  const first = await prepare(config, shared);
  const { options, accessLog } = first;
  shared.accessLog = accessLog;
  /** Closes the running generation's apps; a reload replaces it. */
  let closeApps = first.closeApps;
  /** Old generations' apps, closed after their drain time, or by stop(). */
  const retired = new Set<() => Promise<void>>();

  if (options.path !== undefined) await removeStaleSocket(options.path);
  let server: Server;
  try {
    server = await serve(options);
  } catch (err) {
    accessLog?.log.close().catch(() => {});
    await closeApps();
    if ((err as NodeJS.ErrnoException).syscall === 'listen' || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw listenError(err as NodeJS.ErrnoException, options);
    }
    const e = tlsError(err, config, options);
    throw e instanceof ConfigError ? e : new ConfigError(firstLine(err));
  }
  shared.server = server;
  first.publish();
  const s = server;
  let stopping: Promise<void> | null = null;
  const stop = (lingerIdle = false): Promise<void> =>
    (stopping ??= (async () => {
      await s.close({ lingerIdle });
      // A worker's last numbers, so the cluster's counters keep what it counted.
      await Promise.all([closeApps(), ...[...retired].map((close) => close()), shared.accessLog?.log.close(), shared.share?.flush()]);
    })());

  let logger = config.logger ?? consoleLogger;
  /** Builds `next` and swaps it in; throws (leaving the running config) when it does not load. */
  const apply = async (next: PorticoConfig): Promise<void> => {
    const prepared = await prepare(next, shared);
    const old = shared.accessLog;
    try {
      s.reconfigure(prepared.options);
    } catch (err) {
      if (prepared.accessLog !== null && prepared.accessLog !== old) prepared.accessLog.log.close().catch(() => {});
      await prepared.closeApps();
      throw tlsError(err, next, prepared.options);
    }
    shared.accessLog = prepared.accessLog;
    prepared.publish();
    logger = next.logger ?? consoleLogger;
    setConsoleLogFormat(next.errorLogFormat ?? 'text');
    // Requests of the old generation use its apps and log to its file until they
    // finish, which the drain deadline bounds; then those are closed.
    const closeOld = closeApps;
    const oldLog = old !== null && old !== prepared.accessLog ? old.log : null;
    const retire = async (): Promise<void> => {
      retired.delete(retire);
      await Promise.all([closeOld(), oldLog?.close().catch(() => {})]);
    };
    retired.add(retire);
    closeApps = prepared.closeApps;
    setTimeout(() => void retire(), next.shutdownTimeoutMs ?? 10_000).unref();
  };
  const reload = reloader({ config, reread, apply, logger: () => logger, announce: !cluster.isWorker });
  const reopenLogs =
    accessLog === null
      ? undefined
      : (): void => {
          try {
            shared.accessLog?.log.reopen();
          } catch (err) {
            logger.error('access log reopen failed', { cause: firstLine(err) });
          }
        };
  return { server: s, stop, reload, reopenLogs };
};

/**
 * Counts requests in flight on cgi: mounts (one program each, local redirects
 * aside): up on the call, down when the response closes. The CGI adapter keeps
 * its own count per mount but does not expose it, so the gateway counts here.
 * (An nph program that takes the socket over is counted until the process ends.)
 */
const countCgi = (counter: { inFlight: number }) => (app: App, target: Target): App => {
  if (target.type !== 'cgi') return app;
  const done = (): void => void counter.inFlight--;
  const counted: AppWithStats = (env, res) => {
    counter.inFlight++;
    res.onClose(done);
    return app(env, res);
  };
  counted.stats = (app as AppWithStats).stats;
  return counted;
};

/**
 * A Unix socket file left by a process that died (kill -9, a crash) makes listen()
 * fail with EADDRINUSE although nobody listens. If connecting to it is refused, it
 * is stale and removed; a live listener keeps it (and the error says "in use").
 */
const removeStaleSocket = async (file: string): Promise<void> => {
  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return;
  }
  if (!st.isSocket()) return;
  const refused = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => (probe.destroy(), resolve(false)));
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
  if (refused) fs.rmSync(file, { force: true });
};
