// The harness's command line: `npm run bench -- [--quick] [--only a,b] [--rounds n]
// [--profile [word]] [--no-write | --write]`. --quick shortens every cell (a smoke test, not a measurement);
// --only runs the scenarios whose id contains one of the words; --profile [word]
// takes a CPU profile of a hello-world server (Portico's native one by default)
// instead of the table; --rounds n runs everything n times and reports medians.

export interface BenchOptions {
  quick: boolean;
  /** Scenario id filters; empty runs all. */
  only: string[];
  /** Profile a hello-world server instead (a word of its name; "native" by default). */
  profile: string | null;
  /** Write RESULTS.md (default: yes for a full run of every scenario). */
  write: boolean;
  /** Seconds each measured cell runs, after `warmupSeconds` of warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Size of the streamed response. */
  streamBytes: number;
  /** Connections of the idle-connections scenario. */
  idleConnections: number;
  /** Times each scenario runs; cells report their median. */
  rounds: number;
}

const profileTarget = (argv: readonly string[]): string | null => {
  const at = argv.indexOf('--profile');
  if (at === -1) return null;
  const next = argv[at + 1];
  return next === undefined || next.startsWith('--') ? 'native' : next;
};

export const parseOptions = (argv: readonly string[]): BenchOptions => {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? [] : (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean);
  const known = new Set(['--quick', '--only', '--profile', '--no-write', '--write', '--rounds']);
  const roundsIndex = argv.indexOf('--rounds');
  const rounds = roundsIndex === -1 ? 1 : Number(argv[roundsIndex + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number ≥ 1');
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}`);
    if (!arg.startsWith('--') && !['--only', '--profile', '--rounds'].includes(argv[i - 1] ?? '')) throw new Error(`unexpected argument ${arg}`);
  }
  const write = argv.includes('--write') || (!argv.includes('--no-write') && !quick && only.length === 0);
  return {
    quick,
    only,
    profile: profileTarget(argv),
    write,
    seconds: quick ? 1 : 5,
    warmupSeconds: 1,
    streamBytes: quick ? 256 * 2 ** 20 : 2 ** 30,
    idleConnections: quick ? 2_000 : 10_000,
    rounds,
  };
};
