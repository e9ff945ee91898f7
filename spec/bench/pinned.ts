// Runs processes pinned to one core with `taskset -c`: servers on core 0, load
// generators on core 1, so that they never compete with each other for a core.
// Each command runs through `sh -c 'ulimit -n <hard>; exec ...'` so that the
// process (the same pid, thanks to exec) may hold thousands of sockets.
// On a machine with one core, or without taskset, nothing is pinned.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export const canPin = os.availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
}

export const spawnPinned = (core: number, argv: readonly string[], options: SpawnOptions = {}): ChildProcess =>
  spawn('sh', ['-c', RAISE_FD_LIMIT, 'sh', ...(canPin ? ['taskset', '-c', String(core)] : []), ...argv], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a pinned command to its end, killing it past `timeoutMs`. */
export const runPinned = (core: number, argv: readonly string[], timeoutMs: number, options: SpawnOptions = {}): Promise<Finished> =>
  new Promise((resolve, reject) => {
    const child = spawnPinned(core, argv, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
