// The status page (`--status PATH`, off by default): live counters as JSON, or,
// for a browser (Accept: text/html), a small page that polls that JSON every
// second and draws it. Counters come from the same per-exchange hook as the
// access log (ServeOptions.accessLog), so counting costs a few additions per
// request and nothing when the page is off. With --workers each process counts
// its own traffic and names itself (pid, worker id); workers also send their
// counters to the primary once a second, which sums them and sends the sums
// back, so any worker's page shows the whole cluster under "cluster" (up to
// two seconds old).

import cluster from 'node:cluster';
import type { App, Env } from '../adapters/env.js';
import type { AccessLogEntry } from './access-log.js';

/** What the status page reads besides its own counters. */
export interface StatusSources {
  /** Open connections and connections accepted since start. */
  connections(): { open: number; total: number };
  /** CGI programs running now, when the CGI adapter is mounted. */
  cgiInFlight?: () => number;
  /** With --workers: the sums over every worker, from the primary (null until the first arrive). */
  cluster?: () => Record<string, unknown> | null;
}

export class StatusCounters {
  readonly startedAt = Date.now();
  requests = 0;
  /** Index 1..5 for 1xx..5xx. */
  readonly byClass = [0, 0, 0, 0, 0, 0];
  bytesOut = 0;

  record(entry: AccessLogEntry): void {
    this.requests++;
    const cls = Math.floor(entry.status / 100);
    if (cls >= 1 && cls <= 5) this.byClass[cls]!++;
    this.bytesOut += entry.bytes;
  }

  snapshot(sources: StatusSources): Record<string, unknown> {
    const c = this.byClass;
    const out: Record<string, unknown> = {
      pid: process.pid,
      worker: cluster.isWorker ? cluster.worker!.id : null,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      connections: sources.connections(),
      requests: { total: this.requests, '1xx': c[1], '2xx': c[2], '3xx': c[3], '4xx': c[4], '5xx': c[5] },
      bytesOut: this.bytesOut,
    };
    if (sources.cgiInFlight !== undefined) out['cgi'] = { inFlight: sources.cgiInFlight() };
    const sums = sources.cluster?.() ?? null;
    if (sums !== null) out['cluster'] = sums;
    return out;
  }
}

/** Adds the numbers of `from` into `into`, object by object (skipping who a snapshot is from). */
export const addSnapshot = (into: Record<string, unknown>, from: Record<string, unknown>): void => {
  for (const [k, v] of Object.entries(from)) {
    if (k === 'pid' || k === 'worker' || k === 'uptimeSeconds' || k === 'cluster') continue;
    if (typeof v === 'number') into[k] = ((into[k] as number | undefined) ?? 0) + v;
    else if (typeof v === 'object' && v !== null) addSnapshot((into[k] ??= {}) as Record<string, unknown>, v as Record<string, unknown>);
  }
};

/** The numeric fields of several snapshots added up (connections, requests, bytesOut, cgi), with the worker count. */
export const sumSnapshots = (snapshots: Iterable<object>): Record<string, unknown> => {
  const total: Record<string, unknown> = { workers: 0 };
  for (const s of snapshots) {
    total['workers'] = (total['workers'] as number) + 1;
    addSnapshot(total, s as Record<string, unknown>);
  }
  return total;
};

const wantsHtml = (env: Env): boolean => {
  const accept = env.headers['accept'];
  return accept !== undefined && accept.includes('text/html');
};

/** The app mounted at the status path. */
export const statusApp = (counters: StatusCounters, sources: StatusSources): App => (env) => {
  if (env.method !== 'GET' && env.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'Method not allowed\n' };
  }
  if (env.pathInfo !== '' && env.pathInfo !== '/') return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found\n' };
  const headers = { 'cache-control': 'no-store', vary: 'Accept' };
  if (wantsHtml(env)) return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: STATUS_PAGE };
  return {
    status: 200,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(counters.snapshot(sources)) + '\n',
  };
};

// Self-contained (no external scripts or styles), so it works offline and under
// a strict Content-Security-Policy of the page's own origin.
const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portico status</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:.25em 1em;text-align:right;border-bottom:1px solid #ddd}
th{text-align:left;font-weight:normal;color:#666}canvas{border:1px solid #ddd;margin-top:1em}
#err{color:#b00}
</style></head><body>
<h1>Portico status</h1>
<p id="who"></p><p id="err"></p>
<table id="t"></table>
<canvas id="c" width="600" height="120" aria-label="requests per second"></canvas>
<script>
const rows = [['Open connections', s => s.connections.open], ['Connections accepted', s => s.connections.total],
  ['Requests', s => s.requests.total], ['1xx', s => s.requests['1xx']], ['2xx', s => s.requests['2xx']],
  ['3xx', s => s.requests['3xx']], ['4xx', s => s.requests['4xx']], ['5xx', s => s.requests['5xx']],
  ['Bytes out', s => s.bytesOut], ['CGI programs running', s => s.cgi ? s.cgi.inFlight : '-']];
const rates = []; let last = null;
async function poll() {
  try {
    const r = await fetch(location.pathname, { headers: { accept: 'application/json' }, cache: 'no-store' });
    const own = await r.json(), s = own.cluster || own;
    document.getElementById('err').textContent = '';
    document.getElementById('who').textContent = 'pid ' + own.pid + (own.worker ? ', worker ' + own.worker : '') + ', up ' + own.uptimeSeconds + ' s' +
      (own.cluster ? '; totals over ' + own.cluster.workers + ' workers' : '');
    document.getElementById('t').innerHTML = rows.map(([k, f]) => '<tr><th>' + k + '</th><td>' + f(s) + '</td></tr>').join('');
    if (last) rates.push(Math.max(0, s.requests.total - last.requests.total - 1));
    if (rates.length > 120) rates.shift();
    last = s; draw();
  } catch (e) { document.getElementById('err').textContent = 'Cannot reach the server: ' + e.message; }
}
function draw() {
  const c = document.getElementById('c'), g = c.getContext('2d'), max = Math.max(1, ...rates);
  g.clearRect(0, 0, c.width, c.height); g.beginPath();
  rates.forEach((r, i) => { const x = i * c.width / 120, y = c.height - 4 - r / max * (c.height - 8); i ? g.lineTo(x, y) : g.moveTo(x, y); });
  g.strokeStyle = '#07c'; g.stroke(); g.fillText('requests/s (max ' + max + ')', 4, 12);
}
poll(); setInterval(poll, 1000);
</script></body></html>
`;
