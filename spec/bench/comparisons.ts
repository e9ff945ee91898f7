// The ratios of Portico to its peers, within one run, and the targets of issue 7.
// A comparison divides the subject's figure by the peer's (for RSS per
// connection, lower is better, so the ratio is still subject / peer and the
// target is a ceiling). A limit is an absolute bound on one cell.

import type { CellResult } from './measure.js';
import * as S from './servers.js';

type Metric = 'rps' | 'mibps' | 'perConnKiB' | 'p50Ms';

/** Metrics where less is better: their targets are ceilings. */
const lowerIsBetter = (metric: Metric): boolean => metric === 'perConnKiB' || metric === 'p50Ms';

export interface Comparison {
  scenario: string;
  subject: string;
  peer: string;
  metric: Metric;
  /** Target: the ratio must be at least this (at most, for a lower-is-better metric; absent: for information). */
  min?: number;
}

export interface Limit {
  scenario: string;
  server: string;
  metric: 'peakRssMiB' | 'perConnKiB';
  max: number;
}

const RAW = 'raw node:net (ceiling)';

const pairs = (scenario: string, metric: Metric, targets: Record<string, number> = {}): Comparison[] =>
  [
    [S.NATIVE.name, S.NODE_HTTP.name],
    [S.BASELINE_NATIVE_NAME, S.NODE_HTTP.name],
    [S.NATIVE.name, S.BASELINE_NATIVE_NAME],
    [S.NATIVE.name, RAW],
    [S.FETCH.name, S.HONO.name],
    [S.FETCH_CLI.name, S.HONO.name],
    [S.FETCH_NODE_RESPONSE.name, S.HONO.name],
    [S.NODE_BARE.name, S.NODE_HTTP.name],
    [S.NODE_CREATE_SERVER.name, S.NODE_HTTP.name],
    [S.PORTICO_EXPRESS4.name, S.EXPRESS4.name],
    [S.PORTICO_EXPRESS5.name, S.EXPRESS5.name],
  ].map(([subject, peer]) => ({ scenario, subject: subject!, peer: peer!, metric, min: targets[`${subject} / ${peer}`] }));

const key = (subject: string, peer: string) => `${subject} / ${peer}`;

export const COMPARISONS: Comparison[] = [
  ...pairs('hello', 'rps', {
    [key(S.NATIVE.name, S.NODE_HTTP.name)]: 1.4,
    [key(S.NATIVE.name, RAW)]: 0.8,
    // Issue 12: the bare (req, res) handler at ≥ 1.3× node:http (issue 7 had asked 1.2×).
    [key(S.NODE_BARE.name, S.NODE_HTTP.name)]: 1.3,
    [key(S.NODE_CREATE_SERVER.name, S.NODE_HTTP.name)]: 1.3,
    [key(S.PORTICO_EXPRESS4.name, S.EXPRESS4.name)]: 1.1,
    [key(S.PORTICO_EXPRESS5.name, S.EXPRESS5.name)]: 1.1,
  }),
  // Issue 16: Hono on Portico, by default, in code and from the CLI, ≥ 1.3× Hono on @hono/node-server.
  ...pairs('hono-hello', 'rps', { [key(S.FETCH.name, S.HONO.name)]: 1.3, [key(S.FETCH_CLI.name, S.HONO.name)]: 1.3 }),
  ...pairs('hono-1m', 'rps', { [key(S.FETCH.name, S.HONO.name)]: 1.3, [key(S.FETCH_CLI.name, S.HONO.name)]: 1.3 }),
  // What no server can beat at 1 MiB: the raw node:net ceiling against @hono/node-server (for information).
  { scenario: 'hono-1m', subject: RAW, peer: S.HONO.name, metric: 'rps' },
  { scenario: 'hono-1m', subject: S.FETCH.name, peer: S.NATIVE.name, metric: 'rps' },
  ...pairs('pipeline', 'rps', { [key(S.NATIVE.name, S.NODE_HTTP.name)]: 2 }),
  ...pairs('size-64k', 'rps'),
  ...pairs('size-1m', 'rps'),
  ...pairs('stream', 'mibps', { [key(S.NATIVE.name, RAW)]: 0.9 }),
  ...pairs('echo', 'rps'),
  { scenario: 'cgi', subject: S.PORTICO_CGI.name, peer: S.SPAWN_LOOP.name, metric: 'rps', min: 0.9 },
  { scenario: 'cgi', subject: S.PORTICO_CGI.name, peer: S.PYTHON_CGI.name, metric: 'rps', min: 2 },
  // Issue 15: PHP through php-fpm within 10% of nginx's fastcgi_pass, its latency no worse.
  ...['php', 'php-64k'].flatMap((scenario): Comparison[] => [
    { scenario, subject: S.PORTICO_PHP.name, peer: S.NGINX_PHP.name, metric: 'rps', min: 0.9 },
    { scenario, subject: S.PORTICO_PHP.name, peer: S.NGINX_PHP.name, metric: 'p50Ms', min: 1 },
  ]),
  ...['static-1k', 'static', 'static-range'].flatMap((scenario): Comparison[] => [
    { scenario, subject: S.PORTICO_STATIC.name, peer: S.NGINX_STATIC.name, metric: 'rps' },
    { scenario, subject: S.PORTICO_STATIC.name, peer: S.EXPRESS_STATIC.name, metric: 'rps' },
  ]),
  ...pairs('idle', 'perConnKiB'),
];

export const LIMITS: Limit[] = [
  { scenario: 'stream', server: S.NATIVE.name, metric: 'peakRssMiB', max: 100 },
  { scenario: 'stream-slow', server: S.NATIVE.name, metric: 'peakRssMiB', max: 100 },
  { scenario: 'stream-slow', server: S.NODE_BARE.name, metric: 'peakRssMiB', max: 100 },
  { scenario: 'idle', server: S.NATIVE.name, metric: 'perConnKiB', max: 4 },
];

export interface Verdict {
  label: string;
  value: number | undefined;
  /** The same ratio of work per server CPU second (less sensitive to other load on the machine). */
  perCpu?: number;
  target: string;
  /** true: met, false: missed, undefined: no target or no figure. */
  met: boolean | undefined;
  /** With --rounds: the lowest and highest of the ratios taken within each round. */
  range?: [number, number];
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;

const find = (results: CellResult[], scenario: string, server: string) =>
  results.find((r) => r.scenario === scenario && r.server === server && r.status === 'ok');

export const evaluate = (results: CellResult[]): Verdict[] => {
  const verdicts: Verdict[] = [];
  for (const c of COMPARISONS) {
    const present = (server: string) => results.some((r) => r.scenario === c.scenario && r.server === server);
    if (!present(c.subject) || !present(c.peer)) continue;
    const subject = find(results, c.scenario, c.subject);
    const peer = find(results, c.scenario, c.peer);
    const value = ratio(subject?.[c.metric], peer?.[c.metric]);
    const perCpu = c.metric === 'perConnKiB' || c.metric === 'p50Ms' ? undefined : ratio(subject?.perCpuSecond, peer?.perCpuSecond);
    const higherIsBetter = !lowerIsBetter(c.metric);
    const unit = { perConnKiB: ' (KiB per conn.)', mibps: ' (MiB/s)', p50Ms: ' (p50 latency)', rps: '' }[c.metric];
    verdicts.push({
      label: `${c.scenario}: ${c.subject} / ${c.peer}${unit}`,
      value,
      perCpu,
      target: c.min === undefined ? '' : `${higherIsBetter ? '≥' : '≤'} ${c.min}×`,
      met: c.min === undefined || value === undefined ? undefined : higherIsBetter ? value >= c.min : value <= c.min,
    });
  }
  for (const l of LIMITS) {
    if (!results.some((r) => r.scenario === l.scenario && r.server === l.server)) continue;
    const cell = find(results, l.scenario, l.server);
    const value = l.metric === 'peakRssMiB' ? (cell?.peakRssKiB === undefined ? undefined : cell.peakRssKiB / 1024) : cell?.perConnKiB;
    verdicts.push({
      label: `${l.scenario}: ${l.server} ${l.metric === 'peakRssMiB' ? 'peak RSS (MiB)' : 'RSS per connection (KiB)'}`,
      value,
      target: `≤ ${l.max}`,
      met: value === undefined ? undefined : value <= l.max,
    });
  }
  return verdicts;
};
