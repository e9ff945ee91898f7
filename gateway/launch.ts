// Starts one Portico process from a validated config: loads the mounted apps,
// adds the status page, opens the access log, reads the TLS files, calls serve()
// and returns the hooks the signals run (signals.ts installs them): stop() for
// SIGTERM/SIGINT, reload() for SIGHUP (re-reads the TLS files), reopenLogs() for
// SIGUSR1. Listen failures (port in use, no permission) become ConfigErrors
// with one line; the CLI prints them and exits 2. A stale Unix socket file (its
// server died without removing it) is removed before listening. Apps loaded
// from targets that hold resources (a php-fpm started for php:DIR, kept
// FastCGI connections) have a close(): stop() runs it after the drain.

import cluster from 'node:cluster';
import fs from 'node:fs';
import net from 'node:net';
import { serve, type Server, type ServeOptions } from './server.js';
import { createAccessLog, type AccessLog, type AccessLogEntry } from './access-log.js';
import { ConfigError, firstLine, type PorticoConfig } from './config.js';
import { loadMounts } from './load-app.js';
import { SERVE_KEYS, mountDefaults } from './options-schema.js';
import { StatusCounters, statusApp, type StatusSources } from './status.js';
import type { ClusterTotals } from './workers.js';
import { consoleLogger } from './log.js';
import { Target, type MountSpec } from './target.js';
import type { App } from '../adapters/env.js';

const isCgi = (m: MountSpec | undefined): boolean =>
  m instanceof Target ? m.type === 'cgi' : typeof m === 'object' && m.app instanceof Target && m.app.type === 'cgi';

export interface Launched {
  server: Server;
  /** Drains and closes the server, then flushes the access log. */
  stop(): Promise<void>;
  /** SIGHUP: re-reads what can change without a restart (the TLS files); undefined when nothing can. */
  reload: (() => void) | undefined;
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

/** Builds serve()'s options from the config and starts the server. */
export const launch = async (config: PorticoConfig): Promise<Launched> => {
  const cgi = { inFlight: 0 };
  const closable: Array<{ close(): Promise<void> }> = [];
  const closeApps = (): Promise<void> => Promise.all(closable.splice(0).map((a) => a.close().catch(() => {}))).then(() => {});
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

  let server: Server | null = null;
  let counters: StatusCounters | null = null;
  if (config.status !== undefined) {
    counters = new StatusCounters();
    const sources: StatusSources = {
      connections: () => ({ open: server?.connectionCount ?? 0, total: server?.acceptedCount ?? 0 }),
    };
    if (hasCgi) sources.cgiInFlight = () => cgi.inFlight;
    // The server's rate limit is for apps, not for the status page.
    mounts[config.status] = { app: statusApp(counters, sources), rateLimit: false };
    if (cluster.isWorker) shareWithPrimary(counters, sources);
  }
  let accessLog: AccessLog | null = null;
  if (typeof config.accessLog === 'string') {
    try {
      accessLog = createAccessLog(config.accessLog, config.logFormat);
    } catch (err) {
      throw new ConfigError(`--access-log: cannot open ${config.accessLog}: ${firstLine(err)}`);
    }
  }
  const hook = typeof config.accessLog === 'function' ? config.accessLog : accessLog ? accessLog.write : null;
  if (counters !== null || hook !== null) {
    const c = counters;
    options.accessLog = c === null ? hook! : hook === null ? (e) => c.record(e) : (e: AccessLogEntry) => (c.record(e), hook(e));
  }
  options.mounts = mounts;

  if (options.path !== undefined) await removeStaleSocket(options.path);
  try {
    server = await serve(options);
  } catch (err) {
    accessLog?.close().catch(() => {});
    await closeApps();
    if ((err as NodeJS.ErrnoException).syscall === 'listen' || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw listenError(err as NodeJS.ErrnoException, options);
    }
    const code = String((err as NodeJS.ErrnoException).code ?? '');
    if (options.tls !== undefined && (code.startsWith('ERR_OSSL') || /routines|PEM|certificate|key/i.test(String(err)))) {
      throw new ConfigError(`${config.tlsCert !== undefined ? '--tls-cert/--tls-key' : 'tls'}: not a usable certificate and key: ${firstLine(err)}`);
    }
    throw new ConfigError(firstLine(err));
  }
  const s = server;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await s.close();
      await Promise.all([closeApps(), accessLog?.close()]);
    })());

  const logger = config.logger ?? consoleLogger;
  // SIGHUP's hook (signals.ts installs it): re-read the TLS files. A full config
  // reload replaces this one function.
  const reload =
    config.tlsCert === undefined
      ? undefined
      : (): void => {
          try {
            s.reloadTls({ ...config.tls, ...readTls(config) });
            process.stderr.write(`portico: reloaded TLS certificate ${config.tlsCert}\n`);
          } catch (err) {
            logger.error('TLS reload failed; keeping the old certificate', { cause: firstLine(err) });
          }
        };
  const log = accessLog;
  const reopenLogs =
    log === null
      ? undefined
      : (): void => {
          try {
            log.reopen();
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
  return (env, res) => {
    counter.inFlight++;
    res.onClose(done);
    return app(env, res);
  };
};

/** In a cluster worker: counters up to the primary every second, the cluster's sums back. */
const shareWithPrimary = (counters: StatusCounters, sources: StatusSources): void => {
  setInterval(() => {
    if (process.connected) process.send!({ portico: 'stats', snapshot: counters.snapshot(sources) });
  }, 1000).unref();
  process.on('message', (m: unknown) => {
    if ((m as ClusterTotals | null)?.portico === 'totals') counters.cluster = (m as ClusterTotals).totals;
  });
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
