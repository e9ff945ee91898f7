// `npm run bench`: every scenario of issue 7 against Portico and its peers, in
// one run, servers pinned to core 0 and load generators to core 1. Prints the
// scenario × server table and the ratios with their targets as it goes, and
// writes the last full run into spec/bench/RESULTS.md. Not part of `npm test`.
//   npm run bench -- --quick            1 s cells, a smoke test (not written)
//   npm run bench -- --only hello,cgi   only the scenarios whose id contains a word
//   npm run bench -- --rounds 3         every cell three times, medians reported
//   npm run bench -- --profile [word]   CPU profile of the native (or another) hello world

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions } from './options.js';
import { describeMachine } from './machine.js';
import { ensureWrk } from './wrk.js';
import { SCENARIOS } from './scenarios.js';
import { runCell, type CellResult } from './measure.js';
import { evaluate } from './comparisons.js';
import { resultsTable, verdictTable, writeResults } from './report.js';
import { canPin } from './pinned.js';
import { RESULTS_FILE } from './paths.js';
import { profileHello } from './profile.js';
import { combineAll, combineVerdicts } from './rounds.js';

/** The files of the static scenarios (1 MiB, 1 KiB), made once per run. */
const makeStaticRoot = (): string => {
  const dir = path.join(os.tmpdir(), 'portico-bench-static');
  mkdirSync(dir, { recursive: true });
  const bytes = Buffer.alloc(2 ** 20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  writeFileSync(path.join(dir, 'file-1m.bin'), bytes);
  writeFileSync(path.join(dir, 'file-1k.bin'), bytes.subarray(0, 1024));
  return dir;
};

const main = async (): Promise<void> => {
  const options = parseOptions(process.argv.slice(2));
  ensureWrk();
  if (options.profile !== null) return profileHello(options, options.profile);
  const machine = describeMachine();
  const loadBefore = machine.loadAverage;
  const started = Date.now();
  const scenarios = options.only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => options.only.some((word) => s.id.includes(word)));
  if (scenarios.length === 0) throw new Error(`no scenario matches ${options.only.join(', ')}; ids: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  console.log(`Portico benchmark${options.quick ? ' (--quick)' : ''}: ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, load ${loadBefore}`);
  if (!canPin) console.log('warning: not pinning (needs 2 cores and taskset); figures mix server and load generator');
  const context = {
    options,
    serverEnv: { BENCH_STREAM_BYTES: String(options.streamBytes), BENCH_STATIC_ROOT: makeStaticRoot() },
  };
  const rounds: CellResult[] = [];
  const roundVerdicts: ReturnType<typeof evaluate>[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const thisRound: CellResult[] = [];
    for (const scenario of scenarios) {
      console.log(`\n${scenario.title}${options.rounds > 1 ? ` (round ${round} of ${options.rounds})` : ''}`);
      for (const cell of scenario.cells) {
        const cellStarted = Date.now();
        const result = await runCell(scenario, cell, context);
        rounds.push(result);
        thisRound.push(result);
        console.log(`${resultsTable([result], 'text').split('\n')[2]}  [${((Date.now() - cellStarted) / 1000).toFixed(1)} s]`);
      }
    }
    roundVerdicts.push(evaluate(thisRound));
  }
  const results = combineAll(rounds);
  const elapsedSeconds = (Date.now() - started) / 1000;
  const verdicts = combineVerdicts(roundVerdicts);
  console.log(`\n${resultsTable(results, 'text')}\n\n${verdictTable(verdicts, 'text')}\n\n(* = Portico; whole run ${elapsedSeconds.toFixed(0)} s)`);
  if (options.write) {
    writeResults(RESULTS_FILE, scenarios, results, verdicts, {
      machine,
      date: new Date(),
      seconds: options.seconds,
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
      quick: options.quick,
      pinned: canPin,
      elapsedSeconds,
      loadBefore,
      loadAfter: describeMachine().loadAverage,
      conditions: process.env.BENCH_CONDITIONS,
    });
    console.log(`written: ${path.relative(process.cwd(), RESULTS_FILE)}`);
  }
};

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
