// `npm run bench -- --profile`: a CPU profile of Portico's native hello world
// under the same load as scenario 1 (node --cpu-prof through NODE_OPTIONS), and
// its top functions by self time. The .cpuprofile it leaves in the temp
// directory opens as a flame graph in Chrome DevTools or speedscope.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './options.js';
import { ServerProcess } from './server-process.js';
import { NATIVE } from './servers.js';
import { runWrk } from './wrk.js';
import { renderTable } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  percent: number;
}

/** Self time per function (summed over its call sites), highest first. */
export const selfTimes = (profile: CpuProfile): SelfTime[] => {
  const total = profile.samples.length;
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : `${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const name = functionName || '(anonymous)';
    const entry = byFunction.get(`${name} ${where}`) ?? { name, where, percent: 0 };
    entry.percent += (hits / total) * 100;
    byFunction.set(`${name} ${where}`, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.percent - a.percent);
};

export const profileNativeHello = async (options: BenchOptions): Promise<void> => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-profile-'));
  const server = await ServerProcess.start(NATIVE, { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` } });
  const load = { path: '/hello', connections: 50 };
  let rps: number;
  try {
    await runWrk(server.port, load, options.warmupSeconds);
    rps = (await runWrk(server.port, load, options.seconds)).rps;
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  const top = selfTimes(profile).slice(0, 30);
  console.log(`\nPortico native hello world, 50 connections: ${rps.toFixed(0)} req/s while profiling`);
  console.log(`profile: ${path.join(dir, file)} (${profile.samples.length} samples)\n`);
  console.log(renderTable(['self %', 'function', 'where'], top.map((t) => [t.percent.toFixed(1), t.name, t.where]), 'text'));
};
