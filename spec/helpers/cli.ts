// Runs the `portico` CLI as a user would (`node dist/gateway/cli.js ...`) in a
// child process with this process's environment (so c8's NODE_V8_COVERAGE
// reaches it), collects its output lines, and waits for its "listening on"
// line. Every wait is bounded; teardown sends SIGTERM (so the child writes its
// coverage) and SIGKILL only if it does not leave.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

export const CLI = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));
export const REPO = path.resolve(path.dirname(CLI), '../..');

export interface CliRun {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit status (or the signal name). */
  exited: Promise<number | string>;
  /** Resolves once a stdout or stderr line matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Another copy of the CLI to run (an installed package's bin); this clone's by default. */
  cli?: string;
}

export const runCli = (args: readonly string[], options: CliOptions = {}): CliRun => {
  const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const collect = (stream: NodeJS.ReadableStream, lines: string[]): void => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      rest += chunk;
      let nl;
      while ((nl = rest.indexOf('\n')) !== -1) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        lines.push(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.pattern.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
        }
      }
    });
    stream.on('end', () => {
      if (rest !== '') lines.push(rest);
    });
  };
  collect(child.stdout!, stdout);
  collect(child.stderr!, stderr);
  const exited = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const waitFor = (pattern: RegExp, timeoutMs = 20_000): Promise<string> => {
    const seen = [...stdout, ...stderr].find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; stdout: ${stdout.join('|')}; stderr: ${stderr.join('|')}`)), timeoutMs);
      const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      waiters.push(waiter);
      void exited.then((status) => {
        setTimeout(() => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`exited (${String(status)}) without a line matching ${pattern}; stdout: ${stdout.join('|')}; stderr: ${stderr.join('|')}`));
          }
        }, 50);
      });
    });
  };
  return { child, stdout, stderr, exited, waitFor };
};

export interface RunningCli extends CliRun {
  url: string;
  port: number;
}

/** Starts the CLI and waits until it listens; stopped when the test ends. */
export const startCli = async (t: ExecutionContext, args: readonly string[], options: CliOptions = {}): Promise<RunningCli> => {
  const run = runCli(args, options);
  t.teardown(() => stopCli(run));
  const line = await run.waitFor(/listening on /, 40_000);
  const url = /listening on (\S+)/.exec(line)![1]!;
  return { ...run, url, port: Number(new URL(url.startsWith('unix:') ? 'http://x:1' : url).port) };
};

/** SIGTERM, then SIGKILL after a grace period; resolves with the exit status. */
export const stopCli = async (run: CliRun, graceMs = 15_000): Promise<number | string> => {
  if (run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
    const status = await run.exited;
    clearTimeout(timer);
    return status;
  }
  return run.exited;
};

// Short runs are many (one per error path); on a loaded machine dozens of node
// processes starting at once each take longer than a timeout, so at most a few
// run at a time.
const MAX_SHORT_RUNS = 3;
let shortRuns = 0;
const queue: Array<() => void> = [];
const acquire = (): Promise<void> =>
  shortRuns < MAX_SHORT_RUNS ? (shortRuns++, Promise.resolve()) : new Promise((resolve) => queue.push(resolve));
const release = (): void => {
  const next = queue.shift();
  if (next) next();
  else shortRuns--;
};

/** Runs the CLI to completion (for errors, --help, --version). */
export const runCliToEnd = async (args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) => {
  await acquire();
  try {
    const run = runCli(args, options);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    const status = await run.exited;
    clearTimeout(timer);
    return { status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    release();
  }
};
