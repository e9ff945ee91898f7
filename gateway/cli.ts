#!/usr/bin/env node
// The `portico` command: argv and an optional config file become one config
// object (cli-args.ts, config.ts), which starts either one server (launch.ts)
// or a node:cluster primary that runs N of them (workers.ts). Every startup
// error is one line on stderr and exit status 2, never a stack trace. Once
// listening, signals.ts installs the signal handlers: SIGTERM/SIGINT drain
// in-flight requests and exit 0 (a second one exits 1), SIGHUP reloads the whole
// config (in place, reload.ts; with --workers a rolling restart, workers.ts) and
// SIGUSR1 reopens the access log.

import cluster from 'node:cluster';
import fs from 'node:fs';
import { HELP, cliLabel, parseCliArgs } from './cli-args.js';
import { ConfigError, firstLine, loadConfigFile, mergeConfig, validateConfig, type PorticoConfig } from './config.js';
import { launch } from './launch.js';
import { installSignals } from './signals.js';
import { onRetire, reportToPrimary, runPrimary } from './workers.js';
import { consoleLogger, setConsoleLogFormat } from './log.js';
import { setStrayErrorFallback } from './request-scope.js';
import type { Server } from './server.js';
import { Target, type MountSpec } from './target.js';

const out = (line: string): void => void process.stdout.write(line + '\n');
const err = (line: string): void => void process.stderr.write(line + '\n');

const version = (): string =>
  (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const describeMount = (spec: MountSpec): string => {
  if (typeof spec === 'function') return `app ${spec.name || '(anonymous function)'}`;
  if (spec instanceof Target) return String(spec);
  return describeMount(spec.app);
};

const where = (server: Server): string => {
  const a = server.address;
  return a.path !== undefined ? `unix:${a.path}` : server.url;
};

const readConfig = async (argv: readonly string[]): Promise<PorticoConfig | 'done'> => {
  const args = parseCliArgs(argv);
  if (args.help) {
    out(HELP);
    return 'done';
  }
  if (args.version) {
    out(`portico ${version()}`);
    return 'done';
  }
  const flags = validateConfig(args.options, cliLabel, process.cwd());
  const file = args.configFile === undefined ? {} : await loadConfigFile(args.configFile);
  const config = mergeConfig(file, flags);
  // PORT (as PaaS hosts set it) when neither the flags nor the file chose a port or socket.
  const envPort = process.env['PORT'];
  if (config.port === undefined && config.path === undefined && config.socket === undefined && envPort !== undefined && envPort !== '') {
    config.port = validateConfig({ port: envPort }, () => 'PORT (environment)', process.cwd()).port;
  }
  return config;
};

/** One server process (alone, or a cluster worker); `argv` is read again on SIGHUP. */
const serveOne = async (config: PorticoConfig, argv: readonly string[]): Promise<void> => {
  const reread = async (): Promise<PorticoConfig> => (await readConfig(argv)) as PorticoConfig;
  const { server, stop, reload, reopenLogs } = await launch(config, reread);
  if (cluster.isWorker) await reportToPrimary({ portico: 'listening', url: where(server), workers: config.workers ?? 1 });
  else {
    out(`portico: listening on ${where(server)}`);
    const redirect = server.redirectAddress;
    if (redirect !== null) out(`portico: redirecting http://${redirect.host.includes(':') ? `[${redirect.host}]` : redirect.host}:${redirect.port} to HTTPS`);
    for (const [prefix, spec] of Object.entries(config.mounts ?? {})) out(`  ${prefix || '/'} → ${describeMount(spec)}`);
    if (config.app !== undefined) out(`  / → ${describeMount(config.app)}`);
  }
  const drain = (signal: NodeJS.Signals): void => {
    const n = server.connectionCount;
    if (!cluster.isWorker) err(`portico: ${signal}: draining ${n} connection${n === 1 ? '' : 's'}`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // A worker is reloaded by the primary's rolling restart (workers.ts), not in place;
  // a SIGHUP sent to it (or to the whole process group) is ignored rather than fatal.
  installSignals({ stop: drain, stopNow: () => process.exit(1), reload: cluster.isWorker ? () => {} : () => void reload(), reopenLogs });
  if (cluster.isWorker) {
    // A worker whose primary is gone has nobody to hand it connections: drain and leave.
    process.on('disconnect', () => drain('SIGTERM'));
    // Retired by a rolling reload once its successors listen: finish, then leave.
    onRetire(() =>
      stop(true).then(
        () => process.exit(0),
        () => process.exit(1),
      ),
    );
  }
  // The server must outlive one app's stray asynchronous throw. One raised in a
  // request's async context fails that request (request-scope.ts); any other is
  // logged with its cause.
  const logger = config.logger ?? consoleLogger;
  setStrayErrorFallback((e, kind) => logger.error(kind, { cause: e }));
};

const main = async (): Promise<number | null> => {
  const config = await readConfig(process.argv.slice(2));
  if (config === 'done') return 0;
  setConsoleLogFormat(config.errorLogFormat ?? 'text');
  const workers = config.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    return runPrimary({
      workers,
      onListening: (url, n) => out(`portico: listening on ${url} (${n} workers, primary pid ${process.pid})`),
      onFatal: (message) => err(`portico: ${message}`),
      log: err,
    });
  }
  await serveOne(config, process.argv.slice(2));
  return null;
};

main().then(
  (status) => {
    if (status !== null) process.exit(status);
  },
  async (e: unknown) => {
    // A syntax error's excerpt (the line and a caret) goes under its one line.
    const excerpt = e instanceof ConfigError && e.excerpt !== undefined ? '\n' + e.excerpt.replace(/^/gm, '    ') : '';
    const message = (e instanceof ConfigError ? e.message : firstLine(e)) + excerpt;
    if (cluster.isWorker) {
      await reportToPrimary({ portico: 'fatal', message });
    } else err(`portico: ${message}`);
    process.exit(2);
  },
);
