// Where the benchmark's parts live. The harness runs compiled (dist/spec/bench/),
// while the servers, clients and Lua scripts it starts stay in the source tree
// (spec/bench/), so every path is taken from the repository root.

import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BENCH_DIR = path.join(ROOT, 'spec', 'bench');
export const SERVERS_DIR = path.join(BENCH_DIR, 'servers');
export const CLIENTS_DIR = path.join(BENCH_DIR, 'clients');
export const LUA_DIR = path.join(BENCH_DIR, 'lua');
export const CGI_DIR = path.join(BENCH_DIR, 'cgi');
export const RESULTS_FILE = path.join(BENCH_DIR, 'RESULTS.md');
/** The `portico` command, built. */
export const CLI = path.join(ROOT, 'dist', 'gateway', 'cli.js');
