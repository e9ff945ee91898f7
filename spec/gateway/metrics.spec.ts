// --metrics: Prometheus text scraped by real clients (curl, undici) and read
// by a strict parser (spec/helpers/prometheus-text.ts: TYPE/HELP lines, label
// escaping, cumulative histogram buckets ending in +Inf, _sum and _count) and
// by the Prometheus project's own Python parser. The numbers are checked
// against the traffic sent: requests, bytes (against the access log's
// $bytes_sent), latency buckets, connections, CGI programs running and queued,
// php-fpm children at work; with --workers 2, against the whole cluster, across
// a rolling reload.
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { Metrics, metricsApp, renderMetrics, LATENCY_BUCKETS, type MetricsSources } from '../../gateway/metrics.js';
import type { AccessLogEntry } from '../../gateway/access-log.js';
import type { App, AppStats } from '../../adapters/env.js';
import { cgiApp } from '../../adapters/cgi/index.js';
import { fastcgiApp } from '../../adapters/fastcgi/index.js';
import { startServer } from '../helpers/server.js';
import { REPO, startCli, stopCli } from '../helpers/cli.js';
import { needs } from '../helpers/system-program.js';
import { parsePrometheusText, valueOf, type Family } from '../helpers/prometheus-text.js';
import { PHP_ROOT, startFpm } from '../adapters/fastcgi/helpers.js';

const run = promisify(execFile);
const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const CGI = path.join(REPO, 'spec/fixtures/cgi');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-metrics-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const prom = needs('python3 prometheus_client');
const curl = needs('curl');
const fpm = needs('php-fpm');

/** The Prometheus project's parser (prometheus_client.parser) on `text`: family name → type and samples. */
const parseWithPrometheusClient = (text: string): Record<string, { type: string; samples: Array<[string, Record<string, string>, number]> }> => {
  const script = `import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for f in text_string_to_metric_families(sys.stdin.read()):
    out[f.name] = {"type": f.type, "samples": [[s.name, s.labels, s.value if s.value == s.value else None] for s in f.samples]}
print(json.dumps(out))`;
  const r = spawnSync(prom.paths['python3 prometheus_client']!, ['-c', script], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prometheus_client refused the text: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof parseWithPrometheusClient>;
};

const entry = (mount: string | undefined, status: number, durationMs: number, bytes = 100): AccessLogEntry => ({
  time: Date.now(), remoteAddress: '127.0.0.1', method: 'GET', target: '/', protocol: 'HTTP/1.1', status, bytes, durationMs,
  referer: undefined, userAgent: undefined, host: undefined, mount,
});

const noSources: MetricsSources = { openConnections: () => 3, acceptedConnections: () => 7, children: () => [] };

test('the text: TYPE and HELP per family, label values escaped, buckets cumulative up to +Inf, _sum and _count', (t) => {
  const m = new Metrics();
  const weird = '/we"ird\\dir\nx';
  m.record(entry('', 200, 3));
  m.record(entry('', 200, 30));
  m.record(entry('', 204, 30_000, 0));
  m.record(entry(weird, 503, 70, 5));
  m.record(entry(undefined, 400, 0, 20));
  const text = renderMetrics(m.snapshot({ ...noSources, children: () => [['/cgi-bin', { kind: 'cgi', running: 2, queued: 1 }]] }), 1);
  t.true(text.includes('mount="/we\\"ird\\\\dir\\nx"'), 'quote, backslash and newline escaped');
  const families = parsePrometheusText(text);
  t.deepEqual([...families.keys()], [
    'portico_http_requests_total', 'portico_http_response_bytes_total', 'portico_http_request_duration_seconds', 'portico_connections_total',
    'portico_open_connections', 'portico_children_running', 'portico_children_queued', 'portico_workers',
  ]);
  t.is(families.get('portico_http_request_duration_seconds')!.type, 'histogram');
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '/', code: '2xx' }), 3);
  t.is(valueOf(families, 'portico_http_requests_total', { mount: weird, code: '5xx' }), 1, 'the label value reads back as it was');
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '(none)', code: '4xx' }), 1);
  t.is(valueOf(families, 'portico_http_response_bytes_total', { mount: '/', code: '2xx' }), 200);
  const bucket = (le: string): number | undefined => valueOf(families, 'portico_http_request_duration_seconds_bucket', { mount: '/', code: '2xx', le });
  t.deepEqual([bucket('0.005'), bucket('0.025'), bucket('0.05'), bucket('10'), bucket('+Inf')], [1, 1, 2, 2, 3]);
  t.is(valueOf(families, 'portico_http_request_duration_seconds_sum', { mount: '/', code: '2xx' }), 30.033);
  t.is(valueOf(families, 'portico_http_request_duration_seconds_count', { mount: '/', code: '2xx' }), 3);
  t.is(LATENCY_BUCKETS.length + 1, families.get('portico_http_request_duration_seconds')!.samples.filter((s) => s.name.endsWith('_bucket') && s.labels['mount'] === '/').length);
  t.is(valueOf(families, 'portico_children_running', { mount: '/cgi-bin', kind: 'cgi' }), 2);
  t.is(valueOf(families, 'portico_children_queued', { mount: '/cgi-bin', kind: 'cgi' }), 1);
  t.is(valueOf(families, 'portico_open_connections'), 3);
  t.is(valueOf(families, 'portico_connections_total'), 7);
  // The strict reader does refuse what the format does not allow.
  t.throws(() => parsePrometheusText(text.replace('le="+Inf"', 'le="20"')), { message: /\+Inf/ });
  t.throws(() => parsePrometheusText(text.replace('\\"ird', '\\qird')), { message: /bad escape/ });
  t.throws(() => parsePrometheusText(text.replace(/# TYPE portico_workers gauge\n/, '')), { message: /no TYPE/ });
});

prom.test("the Prometheus project's parser reads the same families, types and values", (t) => {
  const m = new Metrics();
  m.record(entry('/a', 200, 12));
  m.record(entry('/we"ird\\dir', 404, 1, 9));
  const text = renderMetrics(m.snapshot(noSources), 1);
  const theirs = parseWithPrometheusClient(text);
  const ours = parsePrometheusText(text);
  for (const [name, f] of ours) {
    // prometheus_client names counter families without _total.
    const their = theirs[f.type === 'counter' ? name.replace(/_total$/, '') : name];
    t.truthy(their, name);
    t.is(their!.type, f.type);
    t.deepEqual(their!.samples.map(([n, l, v]) => [n, l, v]), f.samples.map((s) => [s.name, s.labels, s.value]), name);
  }
});

/** A CLI with --metrics and a few mounts, its access log writing $bytes_sent per mount. */
const startMetricsCli = async (t: import('ava').ExecutionContext, extra: string[] = []) => {
  const log = path.join(tmp, `access-${Math.random().toString(36).slice(2)}.log`);
  const config = path.join(tmp, `portico-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(config, JSON.stringify({
    mounts: { '/app': `${FIX}/native.mjs`, '/slow': `${FIX}/slow.mjs`, '/cgi-bin': `cgi:${CGI}`, '/we"ird': `${FIX}/native.mjs` },
    accessLog: log, logFormat: '$portico_mount $status $bytes_sent',
  }));
  const cli = await startCli(t, ['--port', '0', '--config', config, '--metrics', '/metrics', ...extra]);
  return { cli, log };
};

curl.test('CLI --metrics: curl scrapes the counts of the traffic sent; bytes agree with the access log; CGI programs running while they run', async (t) => {
  const { cli, log } = await startMetricsCli(t);
  const get = async (p: string): Promise<number> => {
    const r = await request(cli.url + p);
    await r.body.dump();
    return r.statusCode;
  };
  for (let i = 0; i < 5; i++) t.is(await get('/app/x'), 200);
  t.is(await get('/we%22ird/y'), 200);
  t.is(await get('/nothing-here'), 404);
  await Promise.all([get('/slow/a?ms=300'), get('/slow/b?ms=300'), get('/slow/c?ms=300')]);
  // Two CGI programs that sleep a second: scraped while they run.
  const cgi = Promise.all([get('/cgi-bin/sleep1.sh'), get('/cgi-bin/sleep1.sh')]);
  await new Promise((r) => setTimeout(r, 400));
  const during = parsePrometheusText((await run('curl', ['-sS', `${cli.url}/metrics`])).stdout);
  t.is(valueOf(during, 'portico_children_running', { mount: '/cgi-bin', kind: 'cgi' }), 2);
  t.is(valueOf(during, 'portico_children_queued', { mount: '/cgi-bin', kind: 'cgi' }), 0);
  t.deepEqual(await cgi, [200, 200]);

  const head = path.join(tmp, 'head.txt');
  const { stdout } = await run('curl', ['-sS', '-D', head, `${cli.url}/metrics`]);
  t.regex(fs.readFileSync(head, 'latin1'), /^content-type: text\/plain; version=0\.0\.4; charset=utf-8\r$/im);
  const families = parsePrometheusText(stdout);
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '/app', code: '2xx' }), 5);
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '/we"ird', code: '2xx' }), 1);
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '(none)', code: '4xx' }), 1);
  t.is(valueOf(families, 'portico_http_requests_total', { mount: '/cgi-bin', code: '2xx' }), 2);
  t.is(valueOf(families, 'portico_children_running', { mount: '/cgi-bin', kind: 'cgi' }), 0);
  // The slow requests took 300 ms: none in the 0.25 s bucket, all three by +Inf.
  const slow = { mount: '/slow', code: '2xx' };
  t.is(valueOf(families, 'portico_http_request_duration_seconds_bucket', { ...slow, le: '0.25' }), 0);
  t.is(valueOf(families, 'portico_http_request_duration_seconds_bucket', { ...slow, le: '+Inf' }), 3);
  // Each took more than 0.25 s (the bucket above); not 0.3 s each by performance.now(): a timer fires
  // against libuv's cached loop time, which lags under load, so a 300 ms timer can end a little early.
  t.true(valueOf(families, 'portico_http_request_duration_seconds_sum', slow)! > 0.75);
  t.true(valueOf(families, 'portico_connections_total')! >= 1);
  t.true(valueOf(families, 'portico_open_connections')! >= 1, 'the scrape itself');
  t.is(valueOf(families, 'portico_workers'), 1);
  // Bytes per mount and class are what the access log says was written.
  await stopCli(cli);
  const logged = new Map<string, number>();
  for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
    const [mount, status, bytes] = line.split(' ');
    if (mount === '/metrics') continue;
    // The log escapes the quote as nginx does (\x22).
    const key = `${mount === '-' ? '(none)' : mount!.replace(/\\x22/g, '"')} ${status![0]}xx`;
    logged.set(key, (logged.get(key) ?? 0) + Number(bytes));
  }
  const bytes = families.get('portico_http_response_bytes_total')!.samples.filter((s) => s.labels['mount'] !== '/metrics');
  const sorted = (entries: Iterable<[string, number]>): Array<[string, number]> => [...entries].sort(([a], [b]) => (a < b ? -1 : 1));
  t.deepEqual(sorted(bytes.map((s) => [`${s.labels['mount']} ${s.labels['code']}`, s.value])), sorted(logged));
});

test('the metrics path answers GET and HEAD only, and is not rate limited', async (t) => {
  const { cli } = await startMetricsCli(t, ['--rate-limit', '1r/m']);
  for (let i = 0; i < 3; i++) t.is((await request(cli.url + '/metrics')).statusCode, 200);
  t.is((await request(cli.url + '/metrics', { method: 'HEAD' })).statusCode, 200);
  const post = await request(cli.url + '/metrics', { method: 'POST', body: 'x' });
  t.is(post.statusCode, 405);
  t.is(post.headers['allow'], 'GET, HEAD');
});

/**
 * Serves `app` at `prefix` beside a metrics app reading its stats(), sends it
 * three slow requests at once, and scrapes while they run: [children running,
 * queued] by then, and the three answers.
 */
const childrenWhileBusy = async (
  t: import('ava').ExecutionContext,
  prefix: string,
  app: App & { stats(): AppStats },
  slowPath: string,
): Promise<{ running?: number; queued?: number; answers: string[] }> => {
  const metrics = new Metrics();
  const sources: MetricsSources = { openConnections: () => 0, acceptedConnections: () => 0, children: () => [[prefix, app.stats()]] };
  const { url } = await startServer(t, { mounts: { [prefix]: app, '/metrics': metricsApp(metrics, sources) }, accessLog: (e) => metrics.record(e) });
  const answers = Promise.all([1, 2, 3].map(async () => (await request(url + slowPath)).body.text()));
  await new Promise((r) => setTimeout(r, 400));
  const families = parsePrometheusText(await (await request(url + '/metrics')).body.text());
  const kind = app.stats().kind;
  return {
    running: valueOf(families, 'portico_children_running', { mount: prefix, kind }),
    queued: valueOf(families, 'portico_children_queued', { mount: prefix, kind }),
    answers: await answers,
  };
};

test('CGI programs waiting for a slot are counted as queued', async (t) => {
  const seen = await childrenWhileBusy(t, '/cgi-bin', cgiApp({ root: CGI, maxConcurrent: 1 }), '/cgi-bin/sleep1.sh');
  t.deepEqual(seen, { running: 1, queued: 2, answers: ['slept\n', 'slept\n', 'slept\n'] });
});

fpm.test('php-fpm children at work and requests waiting for one, through fastcgiApp', async (t) => {
  const php = await startFpm(2);
  t.teardown(() => php.close());
  const app = fastcgiApp({ address: php.address, root: PHP_ROOT, maxConnections: 2 });
  t.teardown(() => app.close());
  const seen = await childrenWhileBusy(t, '/php', app, '/php/slow.php?ms=1000');
  t.deepEqual(seen, { running: 2, queued: 1, answers: ['slept\n', 'slept\n', 'slept\n'] });
});

test.serial('--workers 2: any worker answers with the whole cluster, and counters never go down across a rolling reload', async (t) => {
  const { cli } = await startMetricsCli(t, ['--workers', '2']);
  let notReady = 0;
  /** A scrape on a new connection; a worker's first milliseconds answer 503 with Retry-After, as Prometheus would see it. */
  const scrape = async (): Promise<Map<string, Family>> => {
    for (;;) {
      const r = await request(cli.url + '/metrics', { reset: true }).catch((err: unknown) => {
        throw new Error(`scrape: ${String(err)}; stderr: ${cli.stderr.join(' | ')}`);
      });
      const text = await r.body.text();
      if (r.statusCode === 200) return parsePrometheusText(text);
      t.is(r.statusCode, 503, text);
      t.is(r.headers['retry-after'], '1');
      if (++notReady > 5) throw new Error(`${notReady} scrapes answered 503`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const seen: number[] = [];
  /** Scrapes (on new connections, so both workers answer) until /app's 2xx count is `n` across 2 workers. */
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      const f = await scrape();
      const count = valueOf(f, 'portico_http_requests_total', { mount: '/app', code: '2xx' }) ?? 0;
      seen.push(count);
      if (count === n && valueOf(f, 'portico_workers') === 2) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never ${n}: ${seen.join(' ')}`);
  };
  const send = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      try {
        await (await request(cli.url + '/app/x', { reset: true })).body.dump();
      } catch (err) {
        throw new Error(`request ${i + 1} of ${n}: ${String(err)}; stderr: ${cli.stderr.join(' | ')}`);
      }
    }
  };
  await send(40);
  await until(40);
  cli.child.kill('SIGHUP');
  await cli.waitFor(/SIGHUP: 2 new workers listening; 2 old draining/, 30_000);
  await send(10);
  await until(50);
  t.log(`scraped: ${seen.join(' ')}; ${notReady} answered 503 (a worker before its first sums)`);
  for (let i = 1; i < seen.length; i++) t.true(seen[i]! >= seen[i - 1]!, `went down: ${seen.join(' ')}`);
});
