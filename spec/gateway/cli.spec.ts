// The `portico` command as users run it: one MODULE of every kind, --mount
// with every target kind, the listener flags, the config file, --help and
// --version. Every flag --help lists is exercised here or in the sibling specs
// (cli-errors, cli-signals, access-log, status, workers, cli-tls).
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { REPO, runCliToEnd, startCli } from '../helpers/cli.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const get = async (url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> => {
  const res = await request(url, { headersTimeout: 15_000, bodyTimeout: 15_000, ...init });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
};

test.serial('--help lists every flag and exits 0', async (t) => {
  const r = await runCliToEnd(['--help']);
  t.is(r.status, 0);
  const help = r.stdout.join('\n');
  t.regex(help, /^Usage: portico \[options\] \[MODULE\]/);
  for (const flag of ['--port', '--host', '--socket', '--mount', '--kind', '--tls-cert', '--tls-key', '--proxy-protocol', '--workers', '--access-log', '--log-format', '--status', '--config', '--help', '--version']) {
    t.true(help.includes(flag), flag);
  }
  t.deepEqual(r.stderr, []);
  t.deepEqual((await runCliToEnd(['-h'])).stdout, r.stdout);
});

test.serial('--version prints the package version and exits 0', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = await runCliToEnd([flag]);
    t.is(r.status, 0);
    t.deepEqual(r.stdout, [`portico ${pkg.version}`]);
  }
});

test.serial('--mount PREFIX=TARGET: modules with forced kinds, static:, cgi:, proxy: side by side', async (t) => {
  const pub = path.join(tmp, 'public');
  fs.mkdirSync(pub, { recursive: true });
  fs.writeFileSync(path.join(pub, 'index.html'), '<h1>home</h1>\n');
  fs.writeFileSync(path.join(pub, 'style.css'), 'body { color: red }\n');
  const cgiDir = path.join(tmp, 'cgi-bin');
  fs.mkdirSync(cgiDir, { recursive: true });
  fs.writeFileSync(path.join(cgiDir, 'env.sh'), '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s %s %s\\n" "$REQUEST_METHOD" "$SCRIPT_NAME" "$PATH_INFO"\n');
  fs.chmodSync(path.join(cgiDir, 'env.sh'), 0o755);
  // The upstream of the proxy: node:http as a peer.
  const upstream = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`upstream ${req.method} ${req.url} xff=${req.headers['x-forwarded-for']}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.teardown(() => upstream.close());
  const up = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

  const cli = await startCli(t, [
    '--port', '0',
    '-m', '/=static:' + pub,
    '--mount', '/cgi-bin=cgi:' + cgiDir,
    '--mount', '/up=proxy:' + up,
    '--mount', '/n=native:' + path.join(FIX, 'unmarked-native.mjs'),
    '--mount', '/f=fetch:' + path.join(FIX, 'fetch.mjs'),
    '--mount', '/node=node:' + path.join(FIX, 'node.mjs'),
  ]);
  const home = await get(cli.url + '/');
  t.is(home.status, 200);
  t.is(home.body, '<h1>home</h1>\n');
  t.regex(String(home.headers['content-type']), /^text\/html/);
  const css = await get(cli.url + '/style.css');
  t.regex(String(css.headers['content-type']), /^text\/css/);
  t.is((await get(cli.url + '/missing.txt')).status, 404);
  t.is((await get(cli.url + '/cgi-bin/env.sh/extra')).body, 'GET /cgi-bin/env.sh /extra\n');
  t.is((await get(cli.url + '/up/a?b=1')).body, 'upstream GET /a?b=1 xff=127.0.0.1');
  t.is((await get(cli.url + '/n/x')).body, 'native-unmarked /x');
  t.is((await get(cli.url + '/f/x')).body, 'fetch /x', 'a mounted Fetch app sees its own paths (stripPrefix, the default)');
  t.is((await get(cli.url + '/node/x')).body, 'node GET /x');
  // The listening banner names each mount.
  t.true(cli.stdout.some((l) => /^ {2}\/cgi-bin → cgi:/.test(l)));
});

test.serial('--host and -p: bind the address and port asked for', async (t) => {
  // A free port, found by binding port 0 first.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const cli = await startCli(t, ['-p', String(port), '--host', '127.0.0.1', `${FIX}/native.mjs`]);
  t.is(cli.url, `http://127.0.0.1:${port}`);
  t.is(cli.port, port);
  t.is((await get(`http://127.0.0.1:${port}/x`)).status, 200);
});

test.serial('--host ::1 listens on IPv6 loopback', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--host', '::1', `${FIX}/native.mjs`]);
  t.regex(cli.url, /^http:\/\/\[::1\]:\d+$/);
  const r = await get(cli.url + '/v6');
  t.is(r.status, 200);
});

test.serial('--socket PATH listens on a Unix socket', async (t) => {
  const sock = path.join(tmp, 'portico.sock');
  const cli = await startCli(t, ['--socket', sock, `${FIX}/native.mjs`]);
  t.is(cli.url, `unix:${sock}`);
  const agent = new Agent({ connect: { socketPath: sock } });
  t.teardown(() => agent.close());
  const r = await get('http://localhost/over-unix', { dispatcher: agent });
  t.is(r.status, 200);
  t.regex(r.body, /^native \|\/over-unix\|/);
});

test.serial('--proxy-protocol reaches serve(): the client address comes from the PROXY header (seen in the access log)', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--proxy-protocol', '--access-log', '-', '--log-format', 'json', `${FIX}/native.mjs`]);
  const net = await import('node:net');
  const answer = await new Promise<string>((resolve, reject) => {
    const s = net.connect(cli.port, '127.0.0.1', () => {
      s.write('PROXY TCP4 198.51.100.23 127.0.0.1 40000 ' + cli.port + '\r\nGET /pp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (data += c));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
  t.regex(answer, /^HTTP\/1\.1 200 /);
  const line = await cli.waitFor(/"target":"\/pp"/);
  t.is(JSON.parse(line).remoteAddress, '198.51.100.23');
  // Without the header, the connection is refused as malformed rather than served.
  const plain = await request(cli.url + '/no-header').then((r) => r.statusCode, () => 'failed');
  t.not(plain, 200);
});

test.serial('--config FILE.json: serve() options and CLI options, paths relative to the file; flags win', async (t) => {
  const dir = path.join(tmp, 'cfg');
  fs.mkdirSync(path.join(dir, 'www'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'www', 'a.txt'), 'from the config static mount\n');
  const log = path.join(dir, 'access.log');
  fs.writeFileSync(path.join(dir, 'portico.json'), JSON.stringify({
    port: 1, // overridden by --port 0 below
    host: '127.0.0.1',
    mounts: {
      '/files': 'static:./www',
      '/app': { app: `native:${path.join(FIX, 'unmarked-native.mjs')}`, methods: ['GET'] },
    },
    limits: { maxHeaderCount: 20 },
    timeouts: { keepAliveMs: 2000 },
    shutdownTimeoutMs: 5000,
    accessLog: 'access.log',
    status: '/_status',
  }));
  const cli = await startCli(t, ['-c', path.join(dir, 'portico.json'), '--port', '0']);
  t.true(cli.port > 1);
  t.is((await get(cli.url + '/files/a.txt')).body, 'from the config static mount\n');
  t.is((await get(cli.url + '/app/x')).body, 'native-unmarked /x');
  const post = await get(cli.url + '/app/x', { method: 'POST', body: 'x' });
  t.is(post.status, 405);
  t.is(post.headers['allow'], 'GET, HEAD');
  // The limit from the file applies: 25 header lines are too many.
  const headers: Record<string, string> = {};
  for (let i = 0; i < 25; i++) headers[`x-h${i}`] = 'v';
  t.is((await get(cli.url + '/app/x', { headers, reset: true })).status, 431);
  t.is((await get(cli.url + '/_status')).status, 200);
  await new Promise((r) => setTimeout(r, 100));
  t.true(fs.readFileSync(log, 'utf8').includes('"GET /files/a.txt HTTP/1.1" 200'));
});

test.serial('--config FILE.mjs: inline app functions, targets, mount options', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--config', path.join(FIX, 'portico.config.mjs')]);
  t.is((await get(cli.url + '/inline/z')).body, 'inline /z');
  t.is((await get(cli.url + '/native/z')).body, 'native-unmarked /z');
  t.regex((await get(cli.url + '/limited/z')).body, /^native \/limited\|\/z\|/);
  // maxBodyBytes: 10 on that mount (GET with a body, to stay within methods).
  t.is((await get(cli.url + '/limited/z', { method: 'GET', body: 'x'.repeat(11), headers: { 'content-length': '11' } })).status, 413);
  // A MODULE flag adds a "/" mount to the file's.
  const both = await startCli(t, ['--port', '0', '--config', path.join(FIX, 'portico.config.mjs'), `${FIX}/fetch.mjs`]);
  t.is((await get(both.url + '/elsewhere')).body, 'fetch /elsewhere');
  t.is((await get(both.url + '/inline/z')).body, 'inline /z');
});

test.serial('an app that throws answers 500 and the error log (stderr) names the mount', async (t) => {
  const file = path.join(tmp, 'thrower.mjs');
  fs.writeFileSync(file, "export const porticoKind = 'native';\nexport default () => { throw new Error('app exploded'); };\n");
  const cli = await startCli(t, ['--port', '0', '--mount', `/boom=${file}`, `${FIX}/native.mjs`]);
  t.is((await get(cli.url + '/boom/x')).status, 500);
  const line = await cli.waitFor(/app failed/);
  t.regex(line, /mount="?\/boom/);
  t.regex(line, /app exploded/);
  // The server lives on.
  t.is((await get(cli.url + '/fine')).status, 200);
});

test.serial('samples/portico.config.mjs serves the demo through the CLI, started from another directory', async (t) => {
  // Its paths are file: URLs and TARGET strings, which do not depend on the working directory.
  const elsewhere = fs.mkdtempSync(path.join(tmp, 'elsewhere-'));
  const cli = await startCli(t, ['--config', path.join(REPO, 'samples/portico.config.mjs'), '--port', '0'], { cwd: elsewhere });
  t.is((await get(cli.url + '/hello')).body, 'Hello World!\n');
  const echoed = await get(cli.url + '/echo', { method: 'POST', body: 'ping', headers: { 'content-type': 'text/plain' } });
  t.is(echoed.body, 'ping');
  t.is(JSON.parse((await get(cli.url + '/inspect/x')).body).pathInfo, '/x');
  t.is((await get(cli.url + '/express/')).status, 200);
  t.regex((await get(cli.url + '/koa/')).body, /^Hello from Koa/);
  t.is((await get(cli.url + '/cgi-bin/hello.sh')).status, 200);
  const home = await get(cli.url + '/');
  t.is(home.status, 200);
  t.regex(String(home.headers['content-type']), /^text\/html/);
  t.is(typeof JSON.parse((await get(cli.url + '/_status')).body).requests.total, 'number');
  // Every link of the index page answers (the demo's /hono and /fetch included).
  const links = [...home.body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
  t.true(links.includes('/hono') && links.includes('/fetch'));
  for (const link of new Set(links)) {
    const res = await request(cli.url + link, { headersTimeout: 15_000 });
    t.is(res.statusCode, 200, link);
    // /fetch/sse streams for ever: its head is the answer.
    res.body.on('error', () => {}).destroy();
  }
});

test.serial('a stray asynchronous throw from an app is logged and the server keeps serving', async (t) => {
  const file = path.join(tmp, 'stray.mjs');
  fs.writeFileSync(file, "export const porticoKind = 'native';\nexport default () => { setTimeout(() => { throw new Error('stray throw'); }, 0); Promise.reject(new Error('stray rejection')); return { status: 200, body: 'answered' }; };\n");
  const cli = await startCli(t, ['--port', '0', file]);
  t.is((await get(cli.url + '/first')).body, 'answered');
  t.regex(await cli.waitFor(/uncaught exception/), /stray throw/);
  t.regex(await cli.waitFor(/unhandled rejection/), /stray rejection/);
  t.is((await get(cli.url + '/second')).body, 'answered');
  t.is(cli.child.exitCode, null);
});

test.serial('PORT from the environment is the default port; --port and the config file win over it', async (t) => {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const fromEnv = await startCli(t, [`${FIX}/native.mjs`], { env: { PORT: String(port) } });
  t.is(fromEnv.port, port);
  const fromFlag = await startCli(t, ['--port', '0', `${FIX}/native.mjs`], { env: { PORT: String(port) } });
  t.not(fromFlag.port, port);
  const bad = await runCliToEnd([`${FIX}/native.mjs`], { env: { PORT: 'http' } });
  t.is(bad.status, 2);
  t.deepEqual(bad.stderr, ['portico: PORT (environment) must be an integer from 0 to 65535, got "http"']);
});

test.serial('--socket: a stale socket file left by a dead process is replaced', async (t) => {
  const sock = path.join(tmp, 'stale.sock');
  // A node process listens and is killed before it can remove the file, as a crashed server would leave it.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  t.true(fs.statSync(sock).isSocket());
  const cli = await startCli(t, ['--socket', sock, `${FIX}/native.mjs`]);
  const agent = new Agent({ connect: { socketPath: sock } });
  t.teardown(() => agent.close());
  t.is((await get('http://localhost/fresh', { dispatcher: agent })).status, 200);
  t.is(cli.url, `unix:${sock}`);
});
