// The status page: JSON counters that follow the traffic (connections,
// requests by status class, bytes out, CGI programs running), and the HTML page
// a browser gets at the same path.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { REPO, startCli } from '../helpers/cli.js';
import { StatusCounters, statusApp, sumSnapshots } from '../../gateway/status.js';
import { startServer } from '../helpers/server.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

interface Status {
  pid: number;
  worker: number | null;
  uptimeSeconds: number;
  connections: { open: number; total: number };
  requests: Record<'total' | '1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>;
  bytesOut: number;
  cgi?: { inFlight: number };
}

const status = async (url: string): Promise<Status> => {
  const res = await request(url + '/_status');
  if (res.statusCode !== 200) throw new Error(`status page answered ${res.statusCode}`);
  return (await res.body.json()) as Status;
};

test('CLI --status: counters change with traffic', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--status', '/_status', `${FIX}/native.mjs`]);
  const before = await status(cli.url);
  t.is(before.pid, cli.child.pid!);
  t.is(before.worker, null);
  t.true(before.connections.total >= 1);
  t.true(before.connections.open >= 1); // this very request's connection
  t.is(before.requests.total, 0); // counted when a response closes: this one is not yet
  for (let i = 0; i < 5; i++) await (await request(cli.url + '/ok' + i)).body.text();
  const after = await status(cli.url);
  // 5 app answers + the first status request, all 2xx.
  t.is(after.requests.total, 6);
  t.is(after.requests['2xx'], 6);
  t.is(after.requests['4xx'] + after.requests['5xx'] + after.requests['3xx'] + after.requests['1xx'], 0);
  t.true(after.bytesOut > before.bytesOut + 5 * 'native /ok0'.length);
  t.false('cgi' in after, 'no CGI counter without a cgi: mount');
});

test('serve({ accessLog }) feeding StatusCounters: classes, bytes and the connections source', async (t) => {
  const counters = new StatusCounters();
  let open = 0;
  const { url, server } = await startServer(t, {
    mounts: {
      '/fail': () => {
        throw new Error('expected failure');
      },
      '/ok': () => ({ status: 204 }),
      '/_status': statusApp(counters, { connections: () => ({ open: (open = server.connectionCount), total: server.acceptedCount }) }),
    },
    accessLog: (e) => counters.record(e),
  });
  await (await request(url + '/fail')).body.text();
  await (await request(url + '/ok')).body.text();
  await (await request(url + '/none')).body.text();
  const s = await status(url);
  t.like(s.requests, { total: 3, '2xx': 1, '4xx': 1, '5xx': 1 });
  t.true(s.bytesOut > 0);
  t.is(s.connections.open, open);
  t.true(s.connections.total >= 1);
});

test('status page counts 3xx, 4xx and 5xx through the CLI', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-status-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const cfg = path.join(tmp, 'status.config.mjs');
  fs.writeFileSync(cfg, `export default {
    status: '/_status',
    mounts: {
      '/moved': () => ({ status: 301, headers: { location: '/' } }),
      '/fail': () => { throw new Error('expected failure'); },
    },
  };`);
  const cli = await startCli(t, ['--port', '0', '--config', cfg]);
  await (await request(cli.url + '/moved')).body.text();
  await (await request(cli.url + '/fail')).body.text();
  await (await request(cli.url + '/nowhere')).body.text();
  const res = await request(cli.url + '/_status', { method: 'POST' });
  t.is(res.statusCode, 405);
  await res.body.text();
  const s = await status(cli.url);
  t.like(s.requests, { total: 4, '3xx': 1, '4xx': 2, '5xx': 1, '2xx': 0 });
});

test('a browser gets the live HTML page at the same path', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--status', '/_status', `${FIX}/native.mjs`]);
  const res = await request(cli.url + '/_status', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  t.is(res.statusCode, 200);
  t.regex(String(res.headers['content-type']), /^text\/html/);
  t.is(res.headers['cache-control'], 'no-store');
  t.is(res.headers['vary'], 'Accept');
  const html = await res.body.text();
  t.true(html.includes('<title>Portico status</title>'));
  // It polls the JSON of its own path.
  t.true(html.includes("fetch(location.pathname, { headers: { accept: 'application/json' }"));
  const json = await request(cli.url + '/_status', { headers: { accept: 'application/json' } });
  t.regex(String(json.headers['content-type']), /^application\/json/);
  t.is(typeof ((await json.body.json()) as Status).requests.total, 'number');
  const below = await request(cli.url + '/_status/x');
  t.is(below.statusCode, 404);
  await below.body.text();
});

test('the HTML page script runs: it polls the JSON and fills the table and the chart', async (t) => {
  const vm = await import('node:vm');
  const cli = await startCli(t, ['--port', '0', '--status', '/_status', `${FIX}/native.mjs`]);
  const html = await (await request(cli.url + '/_status', { headers: { accept: 'text/html' } })).body.text();
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  // A minimal browser: the elements the script touches, fetch() against the real server, a 2D context that records lines.
  const elements: Record<string, { textContent: string; innerHTML: string; width: number; height: number; getContext(): unknown }> = {};
  const lines: number[] = [];
  const ctx = { clearRect() {}, beginPath() {}, moveTo() {}, lineTo: () => lines.push(1), stroke() {}, fillText() {}, strokeStyle: '' };
  const el = (id: string) => (elements[id] ??= { textContent: '', innerHTML: '', width: 600, height: 120, getContext: () => ctx });
  const intervals: Array<() => void> = [];
  const sandbox = {
    document: { getElementById: el },
    location: { pathname: '/_status' },
    fetch: (p: string, init: { headers: Record<string, string> }) =>
      request(cli.url + p, { headers: init.headers }).then(async (r) => ({ json: () => r.body.json() })),
    setInterval: (fn: () => void) => intervals.push(fn),
    Math,
  };
  vm.runInNewContext(script, sandbox);
  for (let i = 0; i < 100 && el('t').innerHTML === ''; i++) await new Promise((r) => setTimeout(r, 20));
  t.regex(el('who').textContent, /^pid \d+, up \d+ s$/);
  t.regex(el('t').innerHTML, /<tr><th>Requests<\/th><td>\d+<\/td><\/tr>/);
  t.regex(el('t').innerHTML, /<tr><th>CGI programs running<\/th><td>-<\/td><\/tr>/);
  t.is(el('err').textContent, '');
  // Each later poll adds a rate (requests since the previous one); two rates make the first line segment.
  t.is(intervals.length, 1);
  const polled = async (): Promise<void> => {
    const before = el('who').textContent;
    intervals[0]!();
    for (let i = 0; i < 100 && el('who').textContent === before; i++) await new Promise((r) => setTimeout(r, 20));
  };
  await new Promise((r) => setTimeout(r, 1100)); // let uptime tick so each poll changes the text
  await polled();
  t.is(lines.length, 0, 'one rate: nothing to connect yet');
  await new Promise((r) => setTimeout(r, 1100));
  await polled();
  t.true(lines.length >= 1, 'two rates: a line segment');
  t.is(el('err').textContent, '');
});

test('in-flight CGI programs are counted while they run', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-status-cgi-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const script = path.join(dir, 'slow.sh');
  fs.writeFileSync(script, '#!/bin/sh\nsleep 1\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow done\\n"\n');
  fs.chmodSync(script, 0o755);
  const cli = await startCli(t, ['--port', '0', '--status', '/_status', '--mount', `/cgi-bin=cgi:${dir}`, `${FIX}/native.mjs`]);
  t.deepEqual((await status(cli.url)).cgi, { inFlight: 0 });
  const running = [1, 2, 3].map(() => request(cli.url + '/cgi-bin/slow.sh').then((r) => r.body.text()));
  let seen = 0;
  for (let i = 0; i < 40 && seen < 3; i++) {
    seen = (await status(cli.url)).cgi!.inFlight;
    if (seen < 3) await new Promise((r) => setTimeout(r, 25));
  }
  t.is(seen, 3);
  t.deepEqual(await Promise.all(running), ['slow done\n', 'slow done\n', 'slow done\n']);
  for (let i = 0; i < 40 && (await status(cli.url)).cgi!.inFlight !== 0; i++) await new Promise((r) => setTimeout(r, 25));
  t.deepEqual((await status(cli.url)).cgi, { inFlight: 0 });
});

test('sumSnapshots adds every numeric field and counts the workers', (t) => {
  const a = { pid: 1, worker: 1, uptimeSeconds: 5, connections: { open: 1, total: 10 }, requests: { total: 3, '2xx': 3 }, bytesOut: 100, cgi: { inFlight: 1 } };
  const b = { pid: 2, worker: 2, uptimeSeconds: 6, connections: { open: 2, total: 20 }, requests: { total: 4, '2xx': 2, '5xx': 2 }, bytesOut: 50 };
  t.deepEqual(sumSnapshots([a, b]), {
    workers: 2,
    connections: { open: 3, total: 30 },
    requests: { total: 7, '2xx': 5, '5xx': 2 },
    bytesOut: 150,
    cgi: { inFlight: 1 },
  });
  t.deepEqual(sumSnapshots([]), { workers: 0 });
});
