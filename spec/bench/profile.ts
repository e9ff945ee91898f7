// `npm run bench -- --profile [word]`: a CPU profile of a hello-world server
// (Portico's native one unless a word of another's name is given, e.g. "node:http")
// under the same load as scenario 1 (node --cpu-prof, pinned like the run), and
// its top functions by self time. The .cpuprofile it leaves in the temp
// directory opens as a flame graph in Chrome DevTools or speedscope.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './options.js';
import { ServerProcess } from './server-process.js';
import { SCENARIOS } from './scenarios.js';
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

const busyHits = (profile: CpuProfile): number =>
  profile.nodes.reduce((sum, n) => sum + (n.callFrame.functionName === '(idle)' ? 0 : (n.hitCount ?? 0)), 0);

/** Self time per function (summed over its call sites) in % of the busy (non-idle) samples, highest first. */
export const selfTimes = (profile: CpuProfile): SelfTime[] => {
  const total = busyHits(profile);
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : `${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const name = functionName || '(anonymous)';
    const entry = byFunction.get(`${name} ${where}`) ?? { name, where, percent: 0 };
    entry.percent += (hits / total) * 100;
    byFunction.set(`${name} ${where}`, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.percent - a.percent);
};

/** Busy time by area: Portico's own code per folder, node internals, native and GC. */
export const areaTimes = (times: SelfTime[]): SelfTime[] => {
  const areas = new Map<string, number>();
  for (const t of times) {
    const area = /^dist\/(\w+)\//.exec(t.where)?.[1] ?? (t.where.startsWith('node:') ? 'node internals (JS)' : t.where === '' ? `native: ${t.name}` : 'other JS');
    const name = /^(core|gateway|adapters|spec)$/.test(area) ? `portico ${area}/` : area;
    areas.set(name, (areas.get(name) ?? 0) + t.percent);
  }
  return [...areas].map(([name, percent]) => ({ name, where: '', percent })).sort((a, b) => b.percent - a.percent);
};

export const profileHello = async (options: BenchOptions, word: string): Promise<void> => {
  const servers = SCENARIOS.find((s) => s.id === 'hello')!.cells.map((c) => c.server);
  const spec = servers.find((s) => s.name.includes(word));
  if (spec === undefined) throw new Error(`no hello-world server named like "${word}": ${servers.map((s) => s.name).join(', ')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-profile-'));
  const server = await ServerProcess.start(spec, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'] });
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
  const times = selfTimes(profile);
  const idle = 100 - (busyHits(profile) / profile.samples.length) * 100;
  console.log(`\n${spec.name}, hello world, 50 connections: ${rps.toFixed(0)} req/s while profiling`);
  console.log(`profile: ${path.join(dir, file)} (${profile.samples.length} samples, ${idle.toFixed(0)}% idle; shares below are of busy time)\n`);
  console.log(renderTable(['self %', 'area'], areaTimes(times).slice(0, 8).map((t) => [t.percent.toFixed(1), t.name]), 'text'));
  console.log();
  console.log(renderTable(['self %', 'function', 'where'], times.slice(0, 30).map((t) => [t.percent.toFixed(1), t.name, t.where]), 'text'));
};
