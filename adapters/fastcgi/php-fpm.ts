// Starting and supervising a php-fpm of our own (lighttpd's bin-path), so that
// `portico php:./site` serves a PHP site on a machine that has php-fpm
// installed and none running. The pool is generated in a private temporary
// folder (config, pid file, socket mode 0600): a static pool of `children`
// workers, matched by the adapter's connection cap. The master runs in the
// foreground (--nodaemonize) as our child, its log goes to our logger line by
// line, and PHP's own errors still reach us as FCGI_STDERR records (error_log
// unset). A master that dies is restarted, a few times a minute at most.
// No php-fpm outlives the server that started it, however that server ends:
// - the master leads its own process group (its workers are in it), so a
//   terminal's Ctrl-C reaches us, not it, and one signal reaches them all;
// - close() stops it gracefully (SIGQUIT), then the group (SIGTERM, SIGKILL);
// - a process exit (process.exit, an uncaught error) sends the group SIGTERM;
// - a SIGKILL leaves no handler to run, so a watchdog shell waits on a pipe
//   from us (as spec/bench does for nginx): when we die the pipe closes, and
//   it stops the group and removes the private folder. It ignores the
//   terminal's signals, and close() kills it first.

import { toPath } from '../file-path.js';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { consoleLoggerFor, type Logger } from '../log.js';
import { invalidOption } from '../option-error.js';

export interface PhpFpmOptions {
  /** The php-fpm program. Default: php-fpm, else the newest php-fpmX.Y, on PATH or in /usr/sbin. */
  binary?: string | URL;
  /** Workers in the static pool (pm.max_children). Default 4. */
  children?: number;
  /** php.ini settings for the pool (php_admin_value[name] = value). */
  ini?: Readonly<Record<string, string>>;
  /** Receives php-fpm's log lines. Default: console. */
  logger?: Logger;
  /** Milliseconds to wait for the socket. Default 10 000. */
  startTimeoutMs?: number;
}

export interface PhpFpm {
  /** "unix:/tmp/.../php-fpm.sock", for fastcgiApp's `address`. */
  readonly address: string;
  readonly children: number;
  /** The master's pid (it changes when it is restarted). */
  readonly pid: number;
  close(): Promise<void>;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The php-fpm program on this machine, or null. */
export const findPhpFpm = (): string | null => {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...SBIN];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    const found = names.filter((n) => /^php-fpm(\d+(\.\d+)?)?$/.test(n)).sort().reverse();
    for (const n of found) {
      try {
        fs.accessSync(path.join(dir, n), fs.constants.X_OK);
        return path.join(dir, n);
      } catch {}
    }
  }
  return null;
};

const iniLine = (name: string, value: string): string => {
  if (!/^[A-Za-z0-9_.]+$/.test(name) || /[\r\n]/.test(value)) throw invalidOption(`phpFpm: bad ini setting ${JSON.stringify(name)}`);
  return `php_admin_value[${name}] = ${value}`;
};

const poolConfig = (dir: string, children: number, ini: Readonly<Record<string, string>>): string =>
  [
    '[global]',
    `pid = ${dir}/php-fpm.pid`,
    `error_log = ${dir}/php-fpm.log`,
    'daemonize = no',
    // NOTICE lines (started, ready, finishing) are not errors; warnings and errors go to the logger.
    'log_level = warning',
    'process_control_timeout = 5s',
    '',
    '[portico]',
    `listen = ${dir}/php-fpm.sock`,
    'listen.mode = 0600',
    `listen.backlog = 511`,
    'pm = static',
    `pm.max_children = ${children}`,
    'pm.max_requests = 0',
    'clear_env = yes',
    // PHP's errors reach the adapter as FCGI_STDERR records; the workers' own stderr would repeat them.
    'catch_workers_output = no',
    'security.limit_extensions = .php',
    ...Object.entries(ini).map(([k, v]) => iniLine(k, v)),
    '',
  ].join('\n');

const MAX_RESTARTS_PER_MINUTE = 5;

// $1: the master's process group, $2: the private folder. `read` returns when the pipe from us closes.
const WATCHDOG = 'trap "" INT TERM HUP QUIT; read _; kill -TERM -"$1" 2>/dev/null; rm -rf -- "$2"; sleep 2; kill -KILL -"$1" 2>/dev/null';

/** Sends `signal` to every process of the group `pgid`; false when none is left. */
const signalGroup = (pgid: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
};

class Supervisor implements PhpFpm {
  readonly address: string;
  private child: ChildProcess | null = null;
  private watchdog: ChildProcess | null = null;
  private stopping = false;
  private restarts: number[] = [];
  private readonly onExit = (): void => {
    // The watchdog sees our pipe close next and finishes the job (SIGKILL to what is left).
    if (this.running(this.child)) signalGroup(this.child.pid!, 'SIGTERM');
    fs.rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly children: number,
    private readonly logger: Logger,
    private readonly startTimeoutMs: number,
  ) {
    this.address = `unix:${dir}/php-fpm.sock`;
    process.on('exit', this.onExit);
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async start(): Promise<void> {
    fs.rmSync(path.join(this.dir, 'php-fpm.sock'), { force: true });
    const args = ['--nodaemonize', '--force-stderr', '--fpm-config', path.join(this.dir, 'php-fpm.conf')];
    // As root, php-fpm wants a pool user; -R lets the workers run as the user who started us.
    if (process.getuid?.() === 0) args.push('--allow-to-run-as-root');
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    if (child.pid !== undefined) this.watch(child.pid);
    const lines: string[] = [];
    const logLines = (stream: NodeJS.ReadableStream): void => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop()!;
        for (const line of parts) {
          if (line === '') continue;
          lines.push(line);
          if (lines.length > 20) lines.shift();
          this.logger.error('php-fpm', { pid: child.pid, line });
        }
      });
    };
    logLines(child.stdout!);
    logLines(child.stderr!);
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('exit', (code, signal) => resolve(`exited with ${signal ?? code}`));
    });
    const ready = await Promise.race([this.waitForSocket(), exited.then(() => false)]);
    if (!ready) {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      this.stopWatchdog();
      const why = await Promise.race([exited, Promise.resolve('did not open its socket in time')]);
      throw new Error(`php-fpm (${this.binary}) ${why}: ${lines.slice(-3).join(' | ')}`);
    }
    void exited.then((why) => this.exited(child, why));
  }

  private running(child: ChildProcess | null): child is ChildProcess {
    return child !== null && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the watchdog of the group `pgid` (see the top of this file). */
  private watch(pgid: number): void {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'portico-php-fpm-watchdog', String(pgid), this.dir], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', (err) => this.logger.error('php-fpm watchdog cannot start; a SIGKILLed server would leave php-fpm running', { cause: err }));
    // Neither the watchdog nor its pipe keeps our event loop alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.watchdog = watchdog;
  }

  private stopWatchdog(): void {
    this.watchdog?.kill('SIGKILL');
    this.watchdog = null;
  }

  private async waitForSocket(): Promise<boolean> {
    const socketPath = path.join(this.dir, 'php-fpm.sock');
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(socketPath);
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return true;
      if (this.child?.exitCode !== null || this.child.signalCode !== null) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  private exited(child: ChildProcess, why: string): void {
    if (this.stopping || this.child !== child) return;
    // Workers a killed master left behind: they would hold the old socket's connections.
    signalGroup(child.pid!, 'SIGKILL');
    this.stopWatchdog();
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      this.logger.error('php-fpm keeps dying; not restarting it', { pid: child.pid, reason: why });
      return;
    }
    this.restarts.push(now);
    this.logger.error('php-fpm died; restarting it', { pid: child.pid, reason: why });
    this.start().catch((err) => this.logger.error('php-fpm cannot be restarted', { cause: err }));
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    process.off('exit', this.onExit);
    this.stopWatchdog();
    const child = this.child;
    if (this.running(child)) {
      const pgid = child.pid!;
      const gone = new Promise((r) => child.once('exit', r));
      // SIGQUIT: the master lets its workers finish their requests, waits for them, and exits.
      child.kill('SIGQUIT');
      const term = setTimeout(() => signalGroup(pgid, 'SIGTERM'), 3_000);
      const kill = setTimeout(() => signalGroup(pgid, 'SIGKILL'), 6_000);
      await gone;
      clearTimeout(term);
      clearTimeout(kill);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a php-fpm with a generated pool; resolves once its socket accepts connections. */
export const startPhpFpm = async (options: PhpFpmOptions = {}): Promise<PhpFpm> => {
  const binary = options.binary instanceof URL ? toPath(options.binary, 'startPhpFpm: `binary`', 'a program') : (options.binary ?? findPhpFpm());
  if (binary === null) throw new Error('php-fpm is not installed (Debian package php-fpm); give an address of a running one instead');
  const children = Math.max(1, Math.floor(options.children ?? 4));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-php-fpm-'));
  fs.writeFileSync(path.join(dir, 'php-fpm.conf'), poolConfig(dir, children, options.ini ?? {}), { mode: 0o600 });
  const supervisor = new Supervisor(binary, dir, children, options.logger ?? consoleLoggerFor('php-fpm'), options.startTimeoutMs ?? 10_000);
  try {
    await supervisor.start();
  } catch (err) {
    await supervisor.close();
    throw err;
  }
  return supervisor;
};
