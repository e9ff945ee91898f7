// --rounds N: every selected scenario runs N times, one round after the other
// (so that a burst of load elsewhere on the machine hits one round of each cell,
// not every round of one cell), and each cell reports the median of its rounds.
// Peak RSS takes the highest round: it is a bound, not a rate. Ratios are taken
// within each round (subject and peer ran back to back, under the same load) and
// reported as their median with their range, never as a ratio of medians.

import type { CellResult } from './measure.js';
import type { Verdict } from './comparisons.js';

const median = (values: (number | undefined)[]): number | undefined => {
  const sorted = values.filter((v): v is number => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const max = (values: (number | undefined)[]): number | undefined => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
};

/** Combines the rounds of one cell (same scenario and server) into one result. */
export const combineRounds = (rounds: CellResult[]): CellResult => {
  const first = rounds[0]!;
  if (rounds.length === 1) return first;
  const ok = rounds.filter((r) => r.status === 'ok');
  if (ok.length === 0) return first;
  const failed = rounds.length - ok.length;
  const notes = [...new Set(ok.map((r) => r.note).filter(Boolean))];
  return {
    scenario: first.scenario,
    server: first.server,
    portico: first.portico,
    status: 'ok',
    rps: median(ok.map((r) => r.rps)),
    mibps: median(ok.map((r) => r.mibps)),
    p50Ms: median(ok.map((r) => r.p50Ms)),
    p99Ms: median(ok.map((r) => r.p99Ms)),
    perConnKiB: median(ok.map((r) => r.perConnKiB)),
    perCpuSecond: median(ok.map((r) => r.perCpuSecond)),
    peakRssKiB: max(ok.map((r) => r.peakRssKiB)),
    note: [`median of ${ok.length}`, failed > 0 ? `${failed} failed` : '', ...notes].filter(Boolean).join('; '),
  };
};

/** Groups results by cell, keeping the order of the first round. */
export const combineAll = (results: CellResult[]): CellResult[] => {
  const groups = new Map<string, CellResult[]>();
  for (const r of results) {
    const key = `${r.scenario}\u0000${r.server}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map(combineRounds);
};

/** One verdict per comparison from the verdicts of each round: the median ratio, judged, and the range. */
export const combineVerdicts = (perRound: Verdict[][]): Verdict[] => {
  const first = perRound[0] ?? [];
  if (perRound.length === 1) return first;
  return first.map((v) => {
    const same = perRound.map((round) => round.find((x) => x.label === v.label)).filter((x): x is Verdict => x !== undefined);
    const values = same.map((x) => x.value).filter((x): x is number => x !== undefined);
    const value = median(values);
    const ceiling = v.target.startsWith('≤');
    const bound = Number(v.target.replace(/[^0-9.]/g, ''));
    return {
      label: v.label,
      value,
      perCpu: median(same.map((x) => x.perCpu)),
      target: v.target,
      met: v.target === '' || value === undefined ? undefined : ceiling ? value <= bound : value >= bound,
      range: values.length === 0 ? undefined : [Math.min(...values), Math.max(...values)],
    };
  });
};
