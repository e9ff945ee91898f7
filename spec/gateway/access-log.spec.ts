// The access log: Combined Log Format (with the duration appended) and JSON
// lines, written by a real server, from the CLI to a file and to stdout.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { clfTime, createAccessLog, formatCombined, formatJson, type AccessLogEntry } from '../../gateway/access-log.js';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import { REPO, startCli, stopCli } from '../helpers/cli.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-access-log-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const entry: AccessLogEntry = {
  time: Date.UTC(2026, 10, 25, 1, 2, 3),
  remoteAddress: '203.0.113.7',
  method: 'GET',
  target: '/a?b=1',
  protocol: 'HTTP/1.1',
  status: 200,
  bytes: 1234,
  durationMs: 12.3456,
  referer: 'http://example.com/',
  userAgent: 'curl/8.0',
  host: 'example.com',
};

// CLF: host ident user [time] "request" status bytes "referer" "agent" duration-ms
const CLF = /^(\S+) - - \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-) "(.*?)" "(.*?)" (\d+\.\d{3})$/;

test('combined format: the fields of Apache/nginx "combined", then the duration in ms', (t) => {
  const line = formatCombined(entry);
  t.true(line.endsWith('\n'));
  const m = CLF.exec(line.trimEnd());
  t.truthy(m, line);
  t.is(m![1], '203.0.113.7');
  t.is(m![3], 'GET /a?b=1 HTTP/1.1');
  t.is(m![4], '200');
  t.is(m![5], '1234');
  t.is(m![6], 'http://example.com/');
  t.is(m![7], 'curl/8.0');
  t.is(m![8], '12.346');
});

test('clfTime is local time with its UTC offset', (t) => {
  const ms = Date.UTC(2026, 0, 2, 3, 4, 5);
  const s = clfTime(ms);
  t.regex(s, /^\[\d{2}\/(Jan|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]$/);
  const m = /:(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]$/.exec(s)!;
  const offsetMin = (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 60 + Number(m[6]));
  t.is(offsetMin, 0 - new Date(ms).getTimezoneOffset());
});

test('combined format: no bytes is "-", missing fields are "-", quotes and control bytes are escaped', (t) => {
  const line = formatCombined({ ...entry, bytes: 0, referer: undefined, userAgent: 'evil"\r\nagent\\', target: '/x"y' });
  t.is(line.split('\n').length, 2, 'one line, whatever the request carried');
  t.true(line.includes(' 200 - "-" "evil\\"\\x0d\\x0aagent\\\\" '));
  t.true(line.includes('"GET /x\\"y HTTP/1.1"'));
  t.regex(formatCombined({ ...entry, method: '-', target: '-', protocol: '-', status: 400 }), /"-" 400 /);
});

test('json format: one object per line with every field', (t) => {
  const line = formatJson(entry);
  t.true(line.endsWith('\n'));
  t.deepEqual(JSON.parse(line), {
    time: '2026-11-25T01:02:03.000Z',
    remoteAddress: '203.0.113.7',
    method: 'GET',
    target: '/a?b=1',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 1234,
    durationMs: 12.346,
    referer: 'http://example.com/',
    userAgent: 'curl/8.0',
    host: 'example.com',
  });
});

test('createAccessLog appends to a file, batches lines, reopens after rotation', async (t) => {
  const file = path.join(tmp, 'unit.log');
  const log = createAccessLog(file, 'json');
  log.write(entry);
  log.write({ ...entry, status: 404 });
  t.false(fs.existsSync(file) && fs.readFileSync(file, 'utf8').length > 0, 'nothing written before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).status), [200, 404]);
  fs.renameSync(file, file + '.1');
  log.reopen();
  log.write({ ...entry, status: 500 });
  await log.close();
  t.deepEqual(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).status), [500]);
  t.is(fs.readFileSync(file + '.1', 'utf8').trim().split('\n').length, 2);
});

test('serve({ accessLog }) reports status, bytes, duration and peer for app answers, 404s and malformed requests', async (t) => {
  const entries: AccessLogEntry[] = [];
  const { url, port } = await startServer(t, {
    mounts: {
      '/ok': () => ({ status: 201, headers: { 'content-type': 'text/plain' }, body: 'created!' }),
      '/slow': async () => {
        await new Promise((resolve) => setTimeout(resolve, 120));
        return { status: 200, body: 'late' };
      },
    },
    accessLog: (e) => entries.push(e),
  });
  const ok = await request(url + '/ok/x?y=1', { headers: { 'user-agent': 'ua-test', referer: 'http://ref/' } });
  const okBody = await ok.body.text();
  await (await request(url + '/slow')).body.text();
  await (await request(url + '/missing')).body.text();
  await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  for (let i = 0; i < 100 && entries.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(entries.length, 4);
  const [first, slow, missing, bad] = entries;
  t.like(first, { method: 'GET', target: '/ok/x?y=1', protocol: 'HTTP/1.1', status: 201, remoteAddress: '127.0.0.1', userAgent: 'ua-test', referer: 'http://ref/' });
  // The bytes are the whole response: head and the 8-byte body.
  t.is(okBody, 'created!');
  t.true(first!.bytes > 8 + 'HTTP/1.1 201 Created\r\n'.length, String(first!.bytes));
  t.true(slow!.durationMs >= 100, String(slow!.durationMs));
  t.is(missing!.status, 404);
  t.like(bad, { method: '-', status: 400 });
  t.true(bad!.bytes > 0);
});

test('a client that leaves before the response starts is logged as 499', async (t) => {
  const entries: AccessLogEntry[] = [];
  let started!: () => void;
  const appStarted = new Promise<void>((resolve) => (started = resolve));
  const { port } = await startServer(t, {
    app: async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return { status: 200, body: 'too late' };
    },
    accessLog: (e) => entries.push(e),
  });
  const net = await import('node:net');
  const s = net.connect(port, '127.0.0.1', () => s.write('GET /gone HTTP/1.1\r\nHost: x\r\n\r\n'));
  s.on('error', () => {});
  await appStarted;
  s.resetAndDestroy(); // RST: the server learns at once that the client is gone
  for (let i = 0; i < 150 && entries.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  t.like(entries[0], { target: '/gone', status: 499 });
});

test('an app response the engine replaces (504 response timeout, 408 stalled body) is logged with its request line', async (t) => {
  const entries: AccessLogEntry[] = [];
  const { url, port } = await startServer(t, {
    mounts: {
      '/late': { app: () => new Promise<void>(() => {}), responseTimeoutMs: 100 },
      '/upload': async (env) => ({ status: 200, body: String((await env.body.bytes()).length) }),
    },
    timeouts: { bodyMs: 200 },
    accessLog: (e) => entries.push(e),
  });
  const late = await request(url + '/late/x');
  t.is(late.statusCode, 504);
  await late.body.text();
  // A body that never comes: the engine answers 408 in place of the app.
  const r = await exchange(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  t.is(r.responses[0]?.status, 408);
  for (let i = 0; i < 100 && entries.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  t.like(entries.find((e) => e.target === '/late/x'), { method: 'GET', status: 504 });
  const upload = entries.find((e) => e.target === '/upload');
  t.like(upload, { method: 'POST', status: 408 });
  t.true(upload!.bytes > 0);
  t.is(entries.length, 2, 'one entry each: error() does not log them again');
});

const traffic = async (url: string): Promise<void> => {
  await (await request(url + '/hello?q=1', { headers: { 'user-agent': 'spec-agent', referer: 'http://from/' } })).body.text();
  await (await request(url + '/hello', { method: 'HEAD' })).body.text();
};

test('CLI --access-log FILE writes the combined format', async (t) => {
  const file = path.join(tmp, 'combined.log');
  const cli = await startCli(t, ['--port', '0', '--access-log', file, `${FIX}/native.mjs`]);
  await traffic(cli.url);
  t.is(await stopCli(cli), 0); // the log is flushed on shutdown
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  t.is(lines.length, 2);
  const m = CLF.exec(lines[0]!)!;
  t.truthy(m, lines[0]);
  t.is(m[1], '127.0.0.1');
  t.is(m[3], 'GET /hello?q=1 HTTP/1.1');
  t.is(m[4], '200');
  t.true(Number(m[5]) > 0);
  t.is(m[6], 'http://from/');
  t.is(m[7], 'spec-agent');
  t.regex(lines[1]!, /"HEAD \/hello HTTP\/1\.1" 200 \d+ "-" "[^"]*" \d+\.\d{3}$/);
});

test('CLI --access-log - --log-format json writes JSON lines to stdout', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--access-log', '-', '--log-format', 'json', `${FIX}/native.mjs`]);
  await traffic(cli.url);
  await cli.waitFor(/"method":"HEAD"/);
  const records = cli.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  t.is(records.length, 2);
  t.like(records[0], { method: 'GET', target: '/hello?q=1', protocol: 'HTTP/1.1', status: 200, remoteAddress: '127.0.0.1', userAgent: 'spec-agent', referer: 'http://from/' });
  t.true(records[0].bytes > 0);
  t.is(typeof records[0].durationMs, 'number');
  t.false(Number.isNaN(Date.parse(records[0].time)));
  t.like(records[1], { method: 'HEAD', status: 200 });
});

test('CLI reopens the access log file on SIGUSR1 (logrotate)', async (t) => {
  const file = path.join(tmp, 'rotate.log');
  const cli = await startCli(t, ['--port', '0', '--access-log', file, `${FIX}/native.mjs`]);
  await (await request(cli.url + '/before')).body.text();
  for (let i = 0; i < 100 && !(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('/before')); i++) await new Promise((r) => setTimeout(r, 20));
  fs.renameSync(file, file + '.1');
  cli.child.kill('SIGUSR1');
  // The signal is handled asynchronously; keep asking until a request lands in the new file.
  for (let i = 0; i < 100 && !(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('/after')); i++) {
    await (await request(cli.url + '/after')).body.text();
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(await stopCli(cli), 0);
  t.true(fs.readFileSync(file + '.1', 'utf8').includes('"GET /before HTTP/1.1"'));
  t.true(fs.readFileSync(file, 'utf8').includes('"GET /after HTTP/1.1"'));
});
