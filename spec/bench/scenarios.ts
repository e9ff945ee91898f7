// The scenarios of issue 7, each a list of cells (a server and the load driven at
// it). Every cell of a scenario takes the same load, so the ratios between them
// compare servers, not workloads. Loads: wrk (requests/s, latency), a download of
// the whole stream (MiB/s), a slow reader (peak RSS under backpressure), idle
// keep-alive connections (RSS per connection), and the CGI spawn loop.

import path from 'node:path';
import type { ServerSpec } from './server-process.js';
import type { WrkLoad } from './wrk.js';
import { CGI_DIR } from './paths.js';
import * as S from './servers.js';

export interface Expectation {
  status: number;
  bytes: number;
  method?: string;
  headers?: Record<string, string>;
  bodyBytes?: number;
}

export type Load =
  | { kind: 'wrk'; wrk: WrkLoad; expect: Expectation }
  | { kind: 'download'; path: string }
  | { kind: 'slow-reader'; path: string }
  | { kind: 'idle'; path: string }
  | { kind: 'spawn-loop'; script: string; concurrency: number };

export interface Cell {
  server: ServerSpec;
  load: Load;
}

export interface Scenario {
  id: string;
  title: string;
  cells: Cell[];
  /** Extra environment for the servers of this scenario. */
  env?: Record<string, string>;
  /** Extra node flags for its servers. */
  nodeFlags?: string[];
}

const MiB = 2 ** 20;
const HELLO = { status: 200, bytes: 12 };
const RANGE = 'bytes=262144-327679';

const all = (servers: ServerSpec[], load: Load): Cell[] => servers.map((server) => ({ server, load }));

const helloServers = [S.NATIVE, ...S.baselineNative(process.env.BENCH_BASELINE), S.NODE_BARE, S.NODE_CREATE_SERVER, S.PORTICO_EXPRESS4, S.PORTICO_EXPRESS5, S.NODE_HTTP, S.EXPRESS4, S.EXPRESS5, S.rawNet('hello')];
/** The same files from Portico, nginx's static module and express.static (run.ts writes them). */
const staticServers = [S.PORTICO_STATIC, S.NGINX_STATIC, S.EXPRESS_STATIC];
const sizedServers = (mode: string) => [S.NATIVE, S.NODE_BARE, S.NODE_HTTP, S.rawNet(mode)];
// The same Hono app on @hono/node-server and on Portico, in code and served by the CLI (issue 16's target).
const honoServers = [S.HONO, S.FETCH, S.FETCH_CLI];

const cgiScript = path.join(CGI_DIR, 'cgi-bin', 'hello.sh');

export const SCENARIOS: Scenario[] = [
  {
    id: 'hello',
    title: '1. hello world, keep-alive, 50 connections',
    cells: all(helloServers, { kind: 'wrk', wrk: { path: '/hello', connections: 50 }, expect: HELLO }),
  },
  {
    id: 'hono-hello',
    title: '1b. Hono hello world, keep-alive, 50 connections: @hono/node-server vs Portico (fetchApp in code, CLI module)',
    cells: all([...honoServers, S.FETCH_NODE_RESPONSE], { kind: 'wrk', wrk: { path: '/hello', connections: 50 }, expect: HELLO }),
  },
  {
    id: 'pipeline',
    title: '2. hello world, 50 connections, pipelining depth 16',
    cells: all([...helloServers, S.FETCH, S.HONO], { kind: 'wrk', wrk: { path: '/hello', connections: 50, lua: 'pipeline.lua', env: { WRK_PIPELINE: '16' } }, expect: HELLO }),
  },
  {
    id: 'size-64k',
    title: '3a. 64 KiB response (Content-Length), 16 connections',
    cells: all([...sizedServers('64k'), S.FETCH, S.HONO], { kind: 'wrk', wrk: { path: '/64k', connections: 16 }, expect: { status: 200, bytes: 64 * 1024 } }),
  },
  {
    id: 'size-1m',
    title: '3b. 1 MiB response (Content-Length), 8 connections',
    cells: all(sizedServers('1m'), { kind: 'wrk', wrk: { path: '/1m', connections: 8 }, expect: { status: 200, bytes: MiB } }),
  },
  {
    id: 'hono-1m',
    title: '3b2. Hono, 1 MiB response (c.body(bytes)), 8 connections: @hono/node-server vs Portico (fetchApp in code, CLI module), beside the same bytes from Portico native and the raw node:net ceiling',
    // The kernel's copy of 1 MiB through loopback is most of every server's CPU here:
    // the ceiling's own ratio to @hono/node-server, within each round, bounds any server's.
    cells: all([...honoServers, S.NATIVE, S.rawNet('1m')], { kind: 'wrk', wrk: { path: '/1m', connections: 8 }, expect: { status: 200, bytes: MiB } }),
  },
  {
    id: 'stream',
    title: '3c. chunked stream (1 GiB in a full run), read whole by curl',
    cells: all([S.NATIVE, S.NODE_BARE, S.NODE_HTTP, S.rawNet('stream')], { kind: 'download', path: '/stream' }),
  },
  {
    id: 'stream-slow',
    title: '3d. chunked stream, slow reader (stalls, then reads at 8 MiB/s): peak RSS',
    cells: all([S.NATIVE, S.NODE_BARE, S.NODE_HTTP], { kind: 'slow-reader', path: '/stream' }),
  },
  {
    id: 'echo',
    title: '4. POST 1 MiB echoed back, 8 connections',
    cells: all([S.NATIVE, S.NODE_BARE, S.FETCH, S.NODE_HTTP, S.HONO], {
      kind: 'wrk',
      wrk: { path: '/echo', connections: 8, lua: 'post-body.lua', env: { WRK_BODY_BYTES: String(MiB) } },
      expect: { status: 200, bytes: MiB, method: 'POST', bodyBytes: MiB },
    }),
  },
  {
    id: 'cgi',
    title: '5. CGI hello (POSIX sh), 8 connections',
    cells: [
      ...all([S.PORTICO_CGI, S.PYTHON_CGI], { kind: 'wrk', wrk: { path: '/cgi-bin/hello.sh', connections: 8 }, expect: { status: 200, bytes: 13 } }),
      { server: S.SPAWN_LOOP, load: { kind: 'spawn-loop', script: cgiScript, concurrency: 8 } },
    ],
  },
  {
    id: 'php',
    title: '5b. PHP hello.php through php-fpm (4 workers), 8 connections',
    cells: all([S.PORTICO_PHP, S.NGINX_PHP], { kind: 'wrk', wrk: { path: '/hello.php', connections: 8 }, expect: { status: 200, bytes: 14 } }),
  },
  {
    id: 'php-64k',
    title: '5c. PHP 64 KiB output through php-fpm (4 workers), 8 connections',
    cells: all([S.PORTICO_PHP, S.NGINX_PHP], { kind: 'wrk', wrk: { path: '/out64k.php', connections: 8 }, expect: { status: 200, bytes: 64 * 1024 } }),
  },
  {
    id: 'static',
    title: '6a. static file, 1 MiB, 8 connections',
    cells: all(staticServers, { kind: 'wrk', wrk: { path: '/static/file-1m.bin', connections: 8 }, expect: { status: 200, bytes: MiB } }),
  },
  {
    id: 'static-range',
    title: `6b. static file, 1 MiB, Range: ${RANGE} (64 KiB), 8 connections`,
    cells: all(staticServers, {
      kind: 'wrk',
      wrk: { path: '/static/file-1m.bin', connections: 8, headers: [`Range: ${RANGE}`] },
      expect: { status: 206, bytes: 64 * 1024, headers: { range: RANGE } },
    }),
  },
  {
    id: 'static-1k',
    title: '6c. static file, 1 KiB, 50 connections',
    cells: all(staticServers, { kind: 'wrk', wrk: { path: '/static/file-1k.bin', connections: 50 }, expect: { status: 200, bytes: 1024 } }),
  },
  {
    id: 'idle',
    title: '7. idle keep-alive connections (10,000 in a full run): RSS per connection',
    cells: all([S.NATIVE, S.NODE_BARE, S.NODE_HTTP, S.rawNet('hello')], { kind: 'idle', path: '/hello' }),
    env: { BENCH_KEEPALIVE_MS: String(10 * 60_000) },
    nodeFlags: ['--expose-gc'],
  },
];
