// Prometheus metrics (`--metrics PATH`, off by default) in the text exposition
// format 0.0.4: requests, response bytes and a latency histogram per mount and
// status class, counted from the same per-exchange hook as the access log and
// the status page (a map lookup and a few additions per request), and gauges
// read at scrape time: open connections, and per CGI or FastCGI mount the
// children at work and the requests waiting (the app's stats(), adapters/env.ts).
// The counts are kept as a snapshot-shaped object (plain numbers, nested by
// mount and class), so that with --workers each worker's can be summed by the
// primary (cluster-share.ts, workers.ts) and any worker answers a scrape with
// the whole cluster's numbers.

import type { App, AppStats, Env } from '../adapters/env.js';
import type { AccessLogEntry } from './access-log.js';

/** Upper bounds of the latency buckets, in seconds (the Prometheus clients' defaults). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One mount's counts for one status class. Buckets are per bucket (not cumulative), keyed by index, +Inf last. */
interface ClassCounts {
  requests: number;
  bytes: number;
  seconds: number;
  buckets: Record<string, number>;
}

/** What one process (or, summed, the cluster) counted: counters only, so that sums over time never go down. */
export interface MetricsCounters {
  /** mount label → status class ("2xx") → counts. */
  mounts: Record<string, Record<string, ClassCounts>>;
  /** Connections accepted. */
  connections: number;
}

/** Read at scrape time; summed over live workers only. */
export interface MetricsGauges {
  openConnections: number;
  /** kind ("cgi", "fastcgi") → mount → children at work and requests waiting. */
  children: Record<string, Record<string, { running: number; queued: number }>>;
}

export interface MetricsSnapshot {
  counters: MetricsCounters;
  gauges: MetricsGauges;
}

/** What a scrape reads besides the counters. */
export interface MetricsSources {
  openConnections(): number;
  acceptedConnections(): number;
  /** Apps that publish stats(), by mount prefix. */
  children(): Array<[string, AppStats]>;
  /** With --workers: the cluster's summed snapshot and its worker count, once the primary has sent one. */
  cluster?: () => { snapshot: MetricsSnapshot; workers: number } | null;
}

/** A mount prefix as a label value: "/" for the root mount, "(none)" when no mount took the request. */
const mountLabel = (m: string | undefined): string => (m === undefined ? '(none)' : m || '/');

export class Metrics {
  private readonly mounts: Record<string, Record<string, ClassCounts>> = {};

  record(entry: AccessLogEntry): void {
    const byClass = (this.mounts[mountLabel(entry.mount)] ??= {});
    const cls = `${Math.floor(entry.status / 100)}xx`;
    const c = (byClass[cls] ??= { requests: 0, bytes: 0, seconds: 0, buckets: {} });
    const s = entry.durationMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && s > LATENCY_BUCKETS[i]!) i++;
    c.requests++;
    c.bytes += entry.bytes;
    c.seconds += s;
    c.buckets[i] = (c.buckets[i] ?? 0) + 1;
  }

  /** This process's numbers now. */
  snapshot(sources: MetricsSources): MetricsSnapshot {
    const children: MetricsGauges['children'] = {};
    for (const [prefix, stats] of sources.children()) (children[stats.kind] ??= {})[prefix || '/'] = { running: stats.running, queued: stats.queued };
    return {
      counters: { mounts: structuredClone(this.mounts), connections: sources.acceptedConnections() },
      gauges: { openConnections: sources.openConnections(), children },
    };
  }
}

// Text format escaping: label values escape \, " and newline; HELP text escapes \ and newline.
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const labels = (pairs: Record<string, string>): string =>
  '{' + Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',') + '}';
const number = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

/** The exposition text of `snapshot` (covering `workers` processes). */
export const renderMetrics = (snapshot: MetricsSnapshot, workers: number): string => {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void => void out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  const sample = (name: string, pairs: Record<string, string>, value: number): void => void out.push(`${name}${Object.keys(pairs).length === 0 ? '' : labels(pairs)} ${number(value)}`);
  const series: Array<[string, string, ClassCounts]> = [];
  for (const mount of Object.keys(snapshot.counters.mounts).sort()) {
    const byClass = snapshot.counters.mounts[mount]!;
    for (const cls of Object.keys(byClass).sort()) series.push([mount, cls, byClass[cls]!]);
  }
  family('portico_http_requests_total', 'counter', 'Requests answered, by mount and status class.');
  for (const [mount, code, c] of series) sample('portico_http_requests_total', { mount, code }, c.requests);
  family('portico_http_response_bytes_total', 'counter', 'Bytes written for responses, heads included, by mount and status class.');
  for (const [mount, code, c] of series) sample('portico_http_response_bytes_total', { mount, code }, c.bytes);
  family('portico_http_request_duration_seconds', 'histogram', 'From the request head to the end of the response, by mount and status class.');
  for (const [mount, code, c] of series) {
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += c.buckets[i] ?? 0;
      sample('portico_http_request_duration_seconds_bucket', { mount, code, le: String(le) }, cumulative);
    });
    sample('portico_http_request_duration_seconds_bucket', { mount, code, le: '+Inf' }, c.requests);
    sample('portico_http_request_duration_seconds_sum', { mount, code }, c.seconds);
    sample('portico_http_request_duration_seconds_count', { mount, code }, c.requests);
  }
  family('portico_connections_total', 'counter', 'Client connections accepted.');
  sample('portico_connections_total', {}, snapshot.counters.connections);
  family('portico_open_connections', 'gauge', 'Client connections open now.');
  sample('portico_open_connections', {}, snapshot.gauges.openConnections);
  const children: Array<[string, string, { running: number; queued: number }]> = [];
  for (const kind of Object.keys(snapshot.gauges.children).sort()) {
    for (const [mount, c] of Object.entries(snapshot.gauges.children[kind]!).sort(([a], [b]) => (a < b ? -1 : 1))) children.push([kind, mount, c]);
  }
  family('portico_children_running', 'gauge', 'CGI programs running, or FastCGI connections busy (php-fpm children at work), by mount.');
  for (const [kind, mount, c] of children) sample('portico_children_running', { mount, kind }, c.running);
  family('portico_children_queued', 'gauge', 'Requests waiting for a CGI slot or a FastCGI connection, by mount.');
  for (const [kind, mount, c] of children) sample('portico_children_queued', { mount, kind }, c.queued);
  family('portico_workers', 'gauge', 'Processes these numbers cover (1 without --workers).');
  sample('portico_workers', {}, workers);
  return out.join('\n') + '\n';
};

/** The app mounted at the metrics path: this process's numbers, or with --workers the cluster's. */
export const metricsApp = (metrics: Metrics, sources: MetricsSources): App => (env: Env) => {
  if (env.method !== 'GET' && env.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'Method not allowed\n' };
  }
  if (env.pathInfo !== '' && env.pathInfo !== '/') return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found\n' };
  const cluster = sources.cluster?.() ?? null;
  if (sources.cluster !== undefined && cluster === null) {
    // A worker that has no cluster sums yet (its first milliseconds): its own numbers alone would
    // make the cluster's counters seem to go down, which Prometheus reads as a reset.
    return { status: 503, headers: { 'retry-after': '1', 'content-type': 'text/plain' }, body: 'Metrics are not ready yet\n' };
  }
  const body = cluster === null ? renderMetrics(metrics.snapshot(sources), 1) : renderMetrics(cluster.snapshot, cluster.workers);
  return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }, body };
};
