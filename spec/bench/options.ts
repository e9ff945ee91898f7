// The harness's command line: `npm run bench -- [--quick] [--only a,b] [--profile]
// [--no-write]`. --quick shortens every cell (a smoke test, not a measurement);
// --only runs the scenarios whose id contains one of the words; --profile takes a
// CPU profile of Portico's native hello world instead of the table.

export interface BenchOptions {
  quick: boolean;
  /** Scenario id filters; empty runs all. */
  only: string[];
  profile: boolean;
  /** Write RESULTS.md (default: yes for a full run of every scenario). */
  write: boolean;
  /** Seconds each measured cell runs, after `warmupSeconds` of warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Size of the streamed response. */
  streamBytes: number;
  /** Connections of the idle-connections scenario. */
  idleConnections: number;
}

export const parseOptions = (argv: readonly string[]): BenchOptions => {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? [] : (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean);
  const known = new Set(['--quick', '--only', '--profile', '--no-write', '--write']);
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}`);
    if (!arg.startsWith('--') && argv[i - 1] !== '--only') throw new Error(`unexpected argument ${arg}`);
  }
  const write = argv.includes('--write') || (!argv.includes('--no-write') && !quick && only.length === 0);
  return {
    quick,
    only,
    profile: argv.includes('--profile'),
    write,
    seconds: quick ? 1 : 5,
    warmupSeconds: 1,
    streamBytes: quick ? 256 * 2 ** 20 : 2 ** 30,
    idleConnections: quick ? 2_000 : 10_000,
  };
};
