// Runs one cell: start the server (a fresh process, so its peak RSS is this
// cell's), check one answer is what the load expects (a fast 404 or error page
// must not pass for a fast server), warm up, measure, read VmHWM, stop. An
// adapter that has not landed makes the cell "n/a"; anything else that goes
// wrong makes it "failed" with a note, never a crash of the whole run.

import path from 'node:path';
import type { BenchOptions } from './options.js';
import type { Cell, Expectation, Scenario } from './scenarios.js';
import { CLOCK_TICKS, ServerProcess, Unavailable } from './server-process.js';
import { runWrk } from './wrk.js';
import { CLIENTS_DIR } from './paths.js';
import { LOAD_CORE, SERVER_CORE, runPinned, spawnPinned } from './pinned.js';

export interface CellResult {
  scenario: string;
  server: string;
  portico: boolean;
  status: 'ok' | 'n/a' | 'failed';
  note?: string;
  rps?: number;
  mibps?: number;
  p50Ms?: number;
  p99Ms?: number;
  peakRssKiB?: number;
  perConnKiB?: number;
  /** Requests (or, for a download, MiB) per CPU second of the server: steadier than rates on a shared machine. */
  perCpuSecond?: number;
}

type Figures = Omit<CellResult, 'scenario' | 'server' | 'portico' | 'status'>;

export interface RunContext {
  options: BenchOptions;
  /** Environment every server gets (stream size, static root). */
  serverEnv: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const runCell = async (scenario: Scenario, cell: Cell, context: RunContext): Promise<CellResult> => {
  const base = { scenario: scenario.id, server: cell.server.name, portico: cell.server.portico };
  if (cell.load.kind === 'spawn-loop') {
    try {
      return { ...base, status: 'ok', ...(await spawnLoop(cell.load.script, cell.load.concurrency, context.options)) };
    } catch (err) {
      return { ...base, status: 'failed', note: message(err) };
    }
  }
  let server: ServerProcess | undefined;
  // Two tries: a server can fail to start while another tsc run rewrites dist/.
  for (let attempt = 1; server === undefined; attempt++) {
    try {
      server = await ServerProcess.start(cell.server, { env: { ...context.serverEnv, ...scenario.env }, nodeFlags: scenario.nodeFlags });
    } catch (err) {
      if (err instanceof Unavailable) return { ...base, status: 'n/a', note: `not available: ${err.message}` };
      if (attempt === 2) return { ...base, status: 'failed', note: message(err) };
      await sleep(3_000);
    }
  }
  try {
    const figures = await measure(server, cell, context.options);
    return { ...base, status: 'ok', ...figures, peakRssKiB: server.memoryKiB('VmHWM') };
  } catch (err) {
    return { ...base, status: 'failed', note: message(err).slice(0, 300) };
  } finally {
    await server.stop();
  }
};

const measure = async (server: ServerProcess, cell: Cell, options: BenchOptions): Promise<Figures> => {
  const load = cell.load;
  switch (load.kind) {
    case 'wrk': {
      await check(server.port, load.wrk.path, load.expect);
      await runWrk(server.port, load.wrk, options.warmupSeconds);
      await server.quiet();
      const cpuBefore = server.cpuSeconds();
      const result = await runWrk(server.port, load.wrk, options.seconds);
      const cpu = perCpu(result.requests, cpuBefore, server.cpuSeconds());
      return { rps: result.rps, mibps: result.mibps, p50Ms: result.p50Ms, p99Ms: result.p99Ms, perCpuSecond: cpu, note: result.errors };
    }
    case 'download': {
      const cpuBefore = server.cpuSeconds();
      const figures = await download(server.port, load.path, options);
      return { ...figures, perCpuSecond: perCpu(options.streamBytes / 2 ** 20, cpuBefore, server.cpuSeconds()) };
    }
    case 'slow-reader':
      return slowReader(server.port, load.path, options);
    case 'idle':
      return idle(server, load.path, options);
    case 'spawn-loop':
      throw new Error('the spawn loop has no server');
  }
};

const perCpu = (work: number, before: number | undefined, after: number | undefined): number | undefined =>
  before === undefined || after === undefined || after <= before ? undefined : work / (after - before);

/** One request by hand: right status and size, or the cell fails. */
const check = async (port: number, urlPath: string, expect: Expectation): Promise<void> => {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
    method: expect.method ?? 'GET',
    headers: { ...expect.headers, ...(expect.bodyBytes ? { 'content-type': 'application/octet-stream' } : {}) },
    body: expect.bodyBytes ? Buffer.alloc(expect.bodyBytes, 'x') : undefined,
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== expect.status || body.length !== expect.bytes) {
    throw new Error(`check failed: expected ${expect.status} with ${expect.bytes} bytes, got ${response.status} with ${body.length}: ${body.subarray(0, 120).toString()}`);
  }
};

const download = async (port: number, urlPath: string, options: BenchOptions): Promise<Figures> => {
  const run = await runPinned(
    LOAD_CORE,
    ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', `http://127.0.0.1:${port}${urlPath}`],
    180_000,
  );
  const [status, size, seconds] = run.stdout.trim().split(' ').map(Number);
  if (run.code !== 0 || status !== 200 || size !== options.streamBytes) {
    throw new Error(`download failed: curl exit ${run.code}, status ${status}, ${size} of ${options.streamBytes} bytes ${run.stderr.trim()}`);
  }
  return { mibps: size / 2 ** 20 / seconds! };
};

const slowReader = async (port: number, urlPath: string, options: BenchOptions): Promise<Figures> => {
  const stallMs = options.quick ? 1_000 : 3_000;
  const readMs = options.quick ? 1_000 : 3_000;
  const run = await runPinned(
    LOAD_CORE,
    [process.execPath, path.join(CLIENTS_DIR, 'slow-reader.mjs'), String(port), urlPath, String(stallMs), String(8 * 2 ** 20), String(readMs)],
    stallMs + readMs + 30_000,
  );
  if (run.code !== 0) throw new Error(`slow reader failed: ${run.stderr.trim()}`);
  const { received } = JSON.parse(run.stdout) as { received: number };
  return { mibps: received / 2 ** 20 / (readMs / 1000), note: `stalled ${stallMs / 1000} s, then read ${(received / 2 ** 20).toFixed(0)} MiB` };
};

/**
 * Server RSS growth per idle keep-alive connection, after a warm-up and a full
 * collection. The figure is RSS as the connections leave it (their requests'
 * garbage included: an idle server does not collect); the note adds the growth
 * after another full collection, i.e. what the connections themselves keep.
 */
const idle = async (server: ServerProcess, urlPath: string, options: BenchOptions): Promise<Figures> => {
  await runWrk(server.port, { path: urlPath, connections: 50 }, options.warmupSeconds);
  await sleep(500);
  await server.collectGarbage();
  const before = server.memoryKiB('VmRSS')!;
  const count = options.idleConnections;
  const client = spawnPinned(LOAD_CORE, [process.execPath, path.join(CLIENTS_DIR, 'idle-client.mjs'), String(server.port), urlPath, String(count), '500']);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`idle client: no report within 120 s (${out.trim()})`)), 120_000);
      client.stdout!.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        const match = /^open \d+ failed \d+$/m.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        }
      });
      client.on('exit', (code) => reject(new Error(`idle client exited (${code}) ${out.trim()}`)));
    });
    const [, open, failed] = /open (\d+) failed (\d+)/.exec(line)!.map(Number);
    await sleep(1_000);
    const after = server.memoryKiB('VmRSS')!;
    const collected = (await server.collectGarbage()) ? server.memoryKiB('VmRSS')! : undefined;
    const afterGc = collected === undefined ? '' : `, ${((collected - before) / open!).toFixed(2)} KiB/conn after GC`;
    return {
      perConnKiB: (after - before) / open!,
      note: `${open} open${failed ? `, ${failed} failed` : ''}; RSS ${(before / 1024).toFixed(1)} → ${(after / 1024).toFixed(1)} MiB${afterGc}`,
    };
  } finally {
    client.kill('SIGTERM');
  }
};

/** The fork/exec floor: spawns/s of the CGI script, pinned to the server core. */
const spawnLoop = async (script: string, concurrency: number, options: BenchOptions): Promise<Figures> => {
  const run = await runPinned(
    SERVER_CORE,
    [process.execPath, path.join(CLIENTS_DIR, 'spawn-loop.mjs'), script, String(options.seconds * 1000), String(concurrency)],
    options.seconds * 1000 + 30_000,
    { env: { BENCH_CLK_TCK: String(CLOCK_TICKS) } },
  );
  if (run.code !== 0) throw new Error(`spawn loop failed: ${run.stderr.trim()}`);
  const { perSec, perCpuSecond } = JSON.parse(run.stdout) as { perSec: number; perCpuSecond: number };
  return { rps: perSec, perCpuSecond: Number.isFinite(perCpuSecond) ? perCpuSecond : undefined, note: 'spawns/s, no HTTP' };
};
