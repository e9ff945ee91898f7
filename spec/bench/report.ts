// Presents a run: the scenario × server table, the ratios with their targets,
// as aligned text for the terminal and as Markdown for RESULTS.md (with the
// machine, the date and the load conditions the figures were taken under).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CellResult } from './measure.js';
import type { Verdict } from './comparisons.js';
import type { Machine } from './machine.js';
import type { Scenario } from './scenarios.js';

type Format = 'text' | 'markdown';

const HEADERS = ['scenario', 'server', 'req/s', 'MiB/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'KiB/conn', 'per CPU-s', 'note'];

const num = (v: number | undefined, digits: number): string =>
  v === undefined || Number.isNaN(v) ? '' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const row = (r: CellResult): string[] => {
  const server = (r.portico ? '* ' : '  ') + r.server;
  if (r.status !== 'ok') return [r.scenario, server, r.status === 'n/a' ? 'n/a' : 'FAILED', '', '', '', '', '', '', r.note ?? ''];
  return [
    r.scenario,
    server,
    num(r.rps, 0),
    num(r.mibps, 1),
    num(r.p50Ms, 2),
    num(r.p99Ms, 2),
    num(r.peakRssKiB === undefined ? undefined : r.peakRssKiB / 1024, 1),
    num(r.perConnKiB, 2),
    num(r.perCpuSecond, 0),
    r.note ?? '',
  ];
};

const verdictRow = (v: Verdict): string[] => [
  v.label,
  v.value === undefined ? 'n/a' : v.value.toFixed(2),
  v.range === undefined ? '' : `${v.range[0].toFixed(2)}–${v.range[1].toFixed(2)}`,
  v.perCpu === undefined ? '' : v.perCpu.toFixed(2),
  v.target,
  v.met === undefined ? '' : v.met ? 'met' : 'MISSED',
];

export const renderTable = (headers: string[], rows: string[][], format: Format): string => {
  const escape = (s: string) => (format === 'markdown' ? s.replaceAll('|', '\\|') : s);
  if (format === 'markdown') {
    return [headers, headers.map(() => '---'), ...rows].map((r) => `| ${r.map(escape).join(' | ')} |`).join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 2 && i < r.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};

export const resultsTable = (results: CellResult[], format: Format): string => renderTable(HEADERS, results.map(row), format);

export const verdictTable = (verdicts: Verdict[], format: Format): string =>
  renderTable(['ratio (Portico / peer) or bound', 'value', 'range (rounds)', 'per CPU-s', 'target', ''], verdicts.map(verdictRow), format);

export interface RunInfo {
  machine: Machine;
  date: Date;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  quick: boolean;
  pinned: boolean;
  elapsedSeconds: number;
  loadBefore: string;
  loadAfter: string;
  conditions?: string;
}

export const writeResults = (file: string, scenarios: Scenario[], results: CellResult[], verdicts: Verdict[], info: RunInfo): void => {
  const m = info.machine;
  const text = `# Benchmark results

The last run of \`npm run bench\`${info.quick ? ' --quick (a smoke test: 1 s cells)' : ''}, written by spec/bench/run.ts.
Rows marked \`*\` are Portico; the others are peers measured in the same run.
How to run and what each scenario measures: docs/benchmarks.md.

- Date: ${info.date.toISOString()}
- Machine: ${m.nproc} cores (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.kernel}
- Node: ${m.node}
- Pinning: ${info.pinned ? 'servers on core 0, load generators (wrk, curl, clients) on core 1 (taskset)' : 'none (fewer than 2 cores or no taskset)'}
- Cells: ${info.warmupSeconds} s warm-up, then ${info.seconds} s measured${info.rounds > 1 ? `, ${info.rounds} rounds (medians)` : ''}; whole run ${info.elapsedSeconds.toFixed(0)} s
- \`per CPU-s\`: requests (MiB for downloads) per CPU second the server process used (its CGI children included), from /proc/<pid>/stat: less disturbed than rates when other work shares the cores
- Load average (1, 5, 15 min) before the run: ${info.loadBefore}; after: ${info.loadAfter}
${info.conditions ? `- Conditions: ${info.conditions}\n` : ''}
## Scenario × server

${resultsTable(results, 'markdown')}

Scenarios:
${scenarios.map((s) => `- \`${s.id}\`: ${s.title}`).join('\n')}

## Ratios and targets

${verdictTable(verdicts, 'markdown')}
`;
  writeFileSync(file, text + keptNotes(file));
};

/** The hand-written "## Notes" section of the previous RESULTS.md (profiles, what optimisations gained) survives a rerun. */
const keptNotes = (file: string): string => {
  if (!existsSync(file)) return '';
  const previous = readFileSync(file, 'utf8');
  const at = previous.indexOf('\n## Notes');
  return at === -1 ? '' : previous.slice(at);
};
