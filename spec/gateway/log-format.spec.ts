// nginx log_format templates: each variable against a known entry, escaping,
// unknown variables refused at startup, and real lines written by the CLI
// (curl as the client) and by a server whose proxy mount reports its upstream time.
import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { compileLogFormat, timeIso8601, timeLocal } from '../../gateway/log-format.js';
import { createAccessLog, type AccessLogEntry } from '../../gateway/access-log.js';
import { ConfigError } from '../../gateway/config-error.js';
import { flagLabel, validateConfig } from '../../gateway/config.js';
import { proxyApp } from '../../adapters/proxy/index.js';
import { startServer } from '../helpers/server.js';
import { REPO, runCliToEnd, startCli, stopCli } from '../helpers/cli.js';

const run = promisify(execFile);
const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-log-format-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const entry: AccessLogEntry = {
  time: Date.UTC(2026, 10, 25, 1, 2, 3, 456),
  remoteAddress: '203.0.113.7',
  remotePort: 54321,
  method: 'GET',
  target: '/a/b?x=1&y=2',
  protocol: 'HTTP/1.1',
  status: 206,
  bytes: 1234,
  bodyBytes: 1000,
  durationMs: 12.3456,
  referer: 'http://example.com/',
  userAgent: 'curl/8.0',
  host: 'Example.COM:8443',
  headers: { 'x-request-id': 'abc-123', 'user-agent': 'curl/8.0', referer: 'http://example.com/' },
  mount: '/a',
  upstreamResponseMs: 7.8,
  upstreamAddress: '127.0.0.1:9000',
};

test('every variable reads its field of the entry', (t) => {
  const f = (template: string, e: AccessLogEntry = entry): string => compileLogFormat(template)(e).slice(0, -1);
  t.is(f('$remote_addr:$remote_port'), '203.0.113.7:54321');
  t.is(f('$request'), 'GET /a/b?x=1&y=2 HTTP/1.1');
  t.is(f('$request_method $request_uri $uri $args $query_string $server_protocol'), 'GET /a/b?x=1&y=2 /a/b x=1&y=2 x=1&y=2 HTTP/1.1');
  t.is(f('$status $body_bytes_sent $bytes_sent'), '206 1000 1234');
  t.is(f('$request_time $upstream_response_time $upstream_addr'), '0.012 0.008 127.0.0.1:9000');
  t.is(f('$host'), 'example.com');
  t.is(f('$http_x_request_id|$http_user_agent|$http_referer|$http_missing'), 'abc-123|curl/8.0|http://example.com/|-');
  t.is(f('$time_local'), timeLocal(entry.time));
  t.is(f('$time_iso8601'), timeIso8601(entry.time));
  t.is(f('$msec'), '1795568523.456');
  t.is(f('$remote_user'), '-');
  t.is(f('$portico_mount'), '/a');
  t.is(f('${status}x'), '206x', 'braces delimit a name');
  t.is(f('$upstream_response_time', { ...entry, upstreamResponseMs: undefined }), '-', 'not proxied: "-"');
  t.is(f('$args', { ...entry, target: '/' }), '-', 'empty: "-"');
});

test('$time_local and $time_iso8601 are local time with the UTC offset', (t) => {
  t.regex(timeLocal(entry.time), /^\d{2}\/Nov\/2026:\d{2}:\d{2}:03 [+-]\d{4}$/);
  const iso = timeIso8601(entry.time);
  t.regex(iso, /^2026-11-2\dT\d{2}:\d{2}:03[+-]\d{2}:\d{2}$/);
  t.is(new Date(iso).getTime(), Math.floor(entry.time / 1000) * 1000);
});

test('values are escaped as nginx escape=default: quotes, backslashes, control and non-ASCII bytes', (t) => {
  const line = compileLogFormat('"$http_user_agent" "$request"')({ ...entry, headers: { 'user-agent': 'a"b\\c\r\nd é' }, target: '/"x' });
  t.is(line, '"a\\x22b\\x5Cc\\x0D\\x0Ad \\xC3\\xA9" "GET /\\x22x HTTP/1.1"\n');
  t.is(line.split('\n').length, 2, 'one line, whatever the request carried');
});

test('an unknown variable, or a template without one, is a ConfigError at compile time', (t) => {
  const e = t.throws(() => compileLogFormat('$remote_addr $nonsense'), { instanceOf: ConfigError });
  t.regex(e!.message, /--log-format: unknown variable "\$nonsense"/);
  t.throws(() => compileLogFormat('$http_'), { instanceOf: ConfigError });
  t.throws(() => compileLogFormat('no variables here'), { message: /needs at least one \$variable/ });
  t.is(
    t.throws(() => compileLogFormat('$remote_adr $status'))!.message,
    '--log-format: unknown variable "$remote_adr", did you mean "$remote_addr"?',
  );
});

test('a config file with an unknown variable is refused with its key named; format names still pass', (t) => {
  t.throws(() => validateConfig({ logFormat: '$status $bytes' }, (k) => `portico.json: "${k}"`, '.'), {
    message: /^portico\.json: "logFormat": unknown variable "\$bytes"/,
  });
  t.is(validateConfig({ logFormat: 'json' }, flagLabel, '.').logFormat, 'json');
  t.throws(() => validateConfig({ logFormat: 'jsno' }, flagLabel, '.'), { message: /--log-format must be one of combined, json, got "jsno", did you mean "json"\?/ });
});

test('createAccessLog takes a template in place of a format name', async (t) => {
  const file = path.join(tmp, 'template.log');
  const log = createAccessLog(file, '$remote_addr $status $body_bytes_sent');
  log.write(entry);
  await log.close();
  t.is(fs.readFileSync(file, 'utf8'), '203.0.113.7 206 1000\n');
});

test('CLI: a bad template is refused at startup with one line and status 2', async (t) => {
  const r = await runCliToEnd(['--port', '0', '--log-format', '$remote_addr $bogus', `${FIX}/native.mjs`]);
  t.is(r.status, 2);
  t.is(r.stderr.length, 1);
  t.regex(r.stderr[0]!, /^portico: --log-format: unknown variable "\$bogus"/);
});

test('CLI: --log-format TEMPLATE writes curl requests as the template says', async (t) => {
  const file = path.join(tmp, 'cli.log');
  const template = '$remote_addr:$remote_port "$request" $status $body_bytes_sent/$bytes_sent $request_time "$http_x_trace" $host [$time_iso8601]';
  const cli = await startCli(t, ['--port', '0', '--access-log', file, '--log-format', template, `${FIX}/native.mjs`]);
  const { stdout } = await run('curl', ['-sS', '-H', 'X-Trace: t-42', '-H', 'Host: Site.Example:99', `${cli.url}/hello?q=1`]);
  t.is(await stopCli(cli), 0);
  const line = fs.readFileSync(file, 'utf8').trim();
  const m = /^127\.0\.0\.1:(\d+) "GET \/hello\?q=1 HTTP\/1\.1" 200 (\d+)\/(\d+) (\d+\.\d{3}) "t-42" site\.example \[(\S+)\]$/.exec(line);
  t.truthy(m, line);
  t.true(Number(m![1]) > 0);
  t.is(Number(m![2]), Buffer.byteLength(stdout), 'body bytes are the body curl received');
  t.true(Number(m![3]) > Number(m![2]), 'bytes_sent includes the head');
  t.true(Math.abs(new Date(m![5]!).getTime() - Date.now()) < 60_000);
});

test('$upstream_response_time and $upstream_addr come from the proxy adapter', async (t) => {
  const upstream = await startServer(t, {
    app: async () => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      return { status: 200, body: 'from upstream' };
    },
  });
  const lines: string[] = [];
  const format = compileLogFormat('$status $upstream_addr $upstream_response_time $request_time');
  const proxy = proxyApp({ upstream: upstream.url });
  t.teardown(() => proxy.close());
  const front = await startServer(t, { mounts: { '/up': proxy, '/local': () => ({ status: 200, body: 'here' }) }, accessLog: (e) => lines.push(format(e)) });
  t.is(await (await request(front.url + '/up/x')).body.text(), 'from upstream');
  await (await request(front.url + '/local')).body.text();
  for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const [up, local] = lines;
  const m = /^200 127\.0\.0\.1:(\d+) (\d+\.\d{3}) (\d+\.\d{3})\n$/.exec(up!);
  t.truthy(m, up);
  t.is(Number(m![1]), upstream.port);
  t.true(Number(m![2]) >= 0.07, up);
  t.true(Number(m![3]) >= Number(m![2]), 'the request took at least as long as the upstream');
  t.is(local, '200 - - ' + local!.split(' ')[3]);
});
