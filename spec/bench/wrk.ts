// The load generator: wrk (Debian's package), one thread pinned to the load core,
// with --latency for the percentiles. ensureWrk() installs it with apt-get when
// missing, so `npm run bench` works on a fresh machine. parseWrk() reads the
// figures from wrk's report (its units: us/ms/s, and binary KB/MB/GB).

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { LOAD_CORE, runPinned } from './pinned.js';
import { LUA_DIR } from './paths.js';

export const ensureWrk = (): void => {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.log('wrk is missing: installing it with apt-get');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  for (const args of [['update'], ['install', '-y', 'wrk']]) {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    const result = spawnSync(cmd!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install wrk by hand`);
  }
};

export interface WrkLoad {
  path: string;
  connections: number;
  /** A script in spec/bench/lua/ (pipelining, request bodies). */
  lua?: string;
  /** Extra request fields, "Name: value". */
  headers?: string[];
  /** Environment for the Lua script (WRK_PIPELINE, WRK_BODY_BYTES). */
  env?: Record<string, string>;
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  mibps: number;
  requests: number;
  /** Socket errors and non-2xx answers, when there were any. */
  errors?: string;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

const latency = (report: string, percentile: string): number => {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(report);
  return match ? Number(match[1]) * TIME_UNITS[match[2]!]! : NaN;
};

export const parseWrk = (report: string): WrkResult => {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(report);
  if (!rps) throw new Error(`unexpected wrk output: ${report.trim().slice(-400)}`);
  const transfer = /^Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/m.exec(report);
  const requests = /^\s*(\d+) requests in/m.exec(report);
  const problems: string[] = [];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  if (socket) {
    const [connect, read, write, timeout] = socket.slice(1).map(Number);
    if (connect) problems.push(`${connect} connect errors`);
    if (read) problems.push(`${read} read errors`);
    if (write) problems.push(`${write} write errors`);
    if (timeout) problems.push(`${timeout} timeouts`);
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(report);
  if (non2xx) problems.push(`${non2xx[1]} non-2xx`);
  return {
    rps: Number(rps[1]),
    p50Ms: latency(report, '50'),
    p99Ms: latency(report, '99'),
    mibps: transfer ? (Number(transfer[1]) * SIZE_UNITS[transfer[2]!]!) / 2 ** 20 : NaN,
    requests: requests ? Number(requests[1]) : NaN,
    errors: problems.length > 0 ? problems.join(', ') : undefined,
  };
};

export const runWrk = async (port: number, load: WrkLoad, seconds: number): Promise<WrkResult> => {
  const args = ['wrk', '-t1', `-c${load.connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency'];
  if (load.lua !== undefined) args.push('-s', path.join(LUA_DIR, load.lua));
  for (const header of load.headers ?? []) args.push('-H', header);
  args.push(`http://127.0.0.1:${port}${load.path}`);
  const run = await runPinned(LOAD_CORE, args, (seconds + 30) * 1000, { env: load.env });
  if (run.code !== 0) throw new Error(`wrk failed (${run.code}): ${(run.stderr || run.stdout).trim().slice(-400)}`);
  return parseWrk(run.stdout);
};
