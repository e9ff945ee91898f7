// fastcgiApp in front of a real php-fpm (Debian's php-fpm8.2, started by
// startPhpFpm with a generated pool): what a PHP script sees ($_SERVER,
// $_GET, $_POST, $_FILES, cookies, sessions, php://input of a chunked body),
// what it can answer (header(), http_response_code(), flush()), how errors are
// answered and logged, and the routing rules (static files, front controller,
// directory index, PATH_INFO split, the cgi.fix_pathinfo exploit, traversal).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { request, FormData } from 'undici';
import type { PhpFpm } from '../../../adapters/fastcgi/index.js';
import { fastcgiApp } from '../../../adapters/fastcgi/index.js';
import { needs } from '../../helpers/system-program.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { spoolLimitCases } from '../../helpers/spool-limit.js';
import { PHP_ROOT, captureLog, eventually, startFpm, startPhpServer } from './helpers.js';

const { test } = needs('php-fpm');

let fpm: PhpFpm;
test.before(async () => {
  fpm = await startFpm(4);
});
test.after.always(async () => {
  await fpm?.close();
});

const json = async (url: string, init?: Parameters<typeof request>[1]): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> => {
  const r = await request(url, init);
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
};

test('$_SERVER: the CGI meta-variables as params, with PATH_INFO, the query, HTTP_* and httpoxy hygiene', async (t) => {
  const { url } = await startPhpServer(t, fpm, { params: { APP_PARAM: 'from fastcgi_param' } });
  const r = await json(`${url}/env.php/a/b%20c?x=1&y=%20`, {
    headers: { host: 'example.test:8123', 'x-test': 'yes', proxy: 'http://evil.example:3128', authorization: 'Basic ' + Buffer.from('ann:secret').toString('base64') },
  });
  t.is(r.status, 200);
  const real = fs.realpathSync(PHP_ROOT);
  t.like(r.body, {
    SCRIPT_FILENAME: `${real}/env.php`,
    SCRIPT_NAME: '/env.php',
    PATH_INFO: '/a/b c',
    PATH_TRANSLATED: `${PHP_ROOT}/a/b c`,
    DOCUMENT_ROOT: PHP_ROOT,
    REQUEST_URI: '/env.php/a/b%20c?x=1&y=%20',
    QUERY_STRING: 'x=1&y=%20',
    REQUEST_METHOD: 'GET',
    REDIRECT_STATUS: '200',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: 'example.test',
    SERVER_PORT: '8123',
    REMOTE_ADDR: '127.0.0.1',
    HTTP_HOST: 'example.test:8123',
    HTTP_X_TEST: 'yes',
    HTTP_PROXY: null,
    HTTPS: null,
    PHP_SELF: '/env.php/a/b c',
    PHP_AUTH_USER: 'ann',
    PHP_AUTH_PW: 'secret',
    APP_PARAM: 'from fastcgi_param',
  });
  t.regex(r.body.SERVER_SOFTWARE, /^Portico\//);
});

test('under a mount prefix, SCRIPT_NAME and the front controller carry the prefix', async (t) => {
  const { url } = await startPhpServer(t, fpm, {}, '/blog');
  const r = await json(`${url}/blog/env.php`);
  t.is(r.body.SCRIPT_NAME, '/blog/env.php');
  t.is(r.body.REQUEST_URI, '/blog/env.php');
  const front = await json(`${url}/blog/2024/01/hello-world/?p=3`);
  t.like(front.body, { front: true, script: '/blog/index.php', uri: '/blog/2024/01/hello-world/?p=3', get: { p: '3' } });
});

test('$_GET and $_POST, arrays and UTF-8 included', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const body = new URLSearchParams([['name', 'Zoë'], ['tags[]', 'a'], ['tags[]', 'b'], ['empty', '']]).toString();
  const r = await json(`${url}/form.php?page=2&q=caf%C3%A9`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  t.is(r.status, 200);
  t.deepEqual(r.body, { method: 'POST', get: { page: '2', q: 'café' }, post: { name: 'Zoë', tags: ['a', 'b'], empty: '' } });
});

test('$_FILES: a multipart upload of 6 MiB and a small file arrive whole', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const big = randomBytes(6 * 1024 * 1024);
  const form = new FormData();
  form.append('title', 'holiday');
  form.append('photo', new Blob([big], { type: 'image/jpeg' }), 'beach.jpg');
  form.append('note', new Blob(['hello file\n'], { type: 'text/plain' }), 'note.txt');
  const r = await json(`${url}/upload.php`, { method: 'POST', body: form });
  t.is(r.status, 200);
  t.deepEqual(r.body.post, { title: 'holiday' });
  t.deepEqual(r.body.files.photo, { name: 'beach.jpg', size: big.length, error: 0, sha256: createHash('sha256').update(big).digest('hex') });
  t.deepEqual(r.body.files.note, { name: 'note.txt', size: 11, error: 0, sha256: createHash('sha256').update('hello file\n').digest('hex') });
});

test('a body with Content-Length is streamed as STDIN: 12 MiB through php://input', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const data = randomBytes(12 * 1024 * 1024);
  const r = await json(`${url}/input.php`, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  t.like(r.body, { content_length: String(data.length), length: data.length, sha256: createHash('sha256').update(data).digest('hex') });
});

const chunked = (parts: Buffer[]): Buffer => Buffer.concat([...parts.flatMap((p) => [Buffer.from(p.length.toString(16) + '\r\n'), p, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);

test('a chunked request is spooled so PHP gets CONTENT_LENGTH: in memory, and past the memory limit in a file', async (t) => {
  const { port } = await startPhpServer(t, fpm);
  const form = Buffer.from('a=1&b=two+words');
  const small = await exchange(
    port,
    Buffer.concat([Buffer.from('POST /input.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'), chunked([form.subarray(0, 4), form.subarray(4)])]),
  );
  const smallBody = JSON.parse(small.responses[0]!.body.toString());
  t.like(smallBody, { content_length: String(form.length), length: form.length, post: { a: '1', b: 'two words' } });
  const big = randomBytes(700 * 1024);
  const parts = Array.from({ length: 7 }, (_, i) => big.subarray(i * 100 * 1024, (i + 1) * 100 * 1024));
  const large = await exchange(port, Buffer.concat([Buffer.from('POST /input.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'), chunked(parts)]));
  t.like(JSON.parse(large.responses[0]!.body.toString()), { content_length: String(big.length), length: big.length, sha256: createHash('sha256').update(big).digest('hex') });
});

test('cookies and sessions: Set-Cookie goes out, the session survives across requests', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const first = await request(`${url}/session.php`);
  t.is(await first.body.text(), 'visits=1 flavour=-\n');
  const setCookie = ([] as string[]).concat(first.headers['set-cookie'] ?? []);
  t.true(setCookie.some((c) => c.startsWith('PHPSESSID=')), setCookie.join(' | '));
  t.true(setCookie.some((c) => c.startsWith('flavour=oatmeal') && /HttpOnly/i.test(c)));
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  const second = await request(`${url}/session.php`, { headers: { cookie } });
  t.is(await second.body.text(), 'visits=2 flavour=oatmeal\n');
  const third = await request(`${url}/session.php`, { headers: { cookie } });
  t.is(await third.body.text(), 'visits=3 flavour=oatmeal\n');
});

test('header() and http_response_code(): status, repeated fields, Location', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const teapot = await request(`${url}/status.php?code=418`);
  t.is(teapot.statusCode, 418);
  t.is(teapot.headers['x-from-php'], 'yes');
  t.deepEqual(teapot.headers['x-repeated'], ['one', 'two']);
  t.is(await teapot.body.text(), 'status script\n');
  const created = await request(`${url}/status.php?code=201&location=/items/7`);
  t.is(created.statusCode, 201);
  t.is(created.headers['location'], '/items/7');
  await created.body.dump();
  // PHP turns a Location into a 302 by itself: a client redirect, as from nginx.
  const moved = await request(`${url}/status.php?location=/hello.php`);
  t.is(moved.statusCode, 302);
  t.is(moved.headers['location'], '/hello.php');
  await moved.body.dump();
  const head = await request(`${url}/hello.php`, { method: 'HEAD' });
  t.is(head.statusCode, 200);
  t.is(await head.body.text(), '');
});

test('flush() reaches the client as it happens, before the script goes on', async (t) => {
  const { port } = await startPhpServer(t, fpm);
  const marker = path.join(os.tmpdir(), `portico-flush-${process.pid}-${Date.now()}`);
  t.teardown(() => fs.rmSync(marker, { force: true }));
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`GET /flush.php?marker=${encodeURIComponent(marker)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  let received = '';
  socket.on('data', (d) => {
    received += d.toString('latin1');
    if (received.includes('first part') && !fs.existsSync(marker)) fs.writeFileSync(marker, '');
  });
  await new Promise((r) => socket.on('close', r));
  t.true(received.includes('first part\n'));
  t.true(received.includes('second part after the client saw the first'), received);
});

test('a PHP fatal error gives 500 and its message in the error log, with the mount and the script', async (t) => {
  const { url, log } = await startPhpServer(t, fpm);
  const r = await request(`${url}/fatal.php`);
  t.is(r.statusCode, 500);
  await r.body.dump();
  t.true(await eventually(() => log.lines.some((l) => String(l.fields['line']).includes('PHP Fatal error'))), log.text());
  const line = log.lines.find((l) => String(l.fields['line']).includes('PHP Fatal error'))!;
  t.like(line.fields, { mount: '/', script: '/fatal.php' });
  t.regex(String(line.fields['line']), /Call to undefined function echo_nothing_because_this_function_does_not_exist/);
});

test('error_log() output (FCGI_STDERR) goes to the server log, the answer is unaffected', async (t) => {
  const { url, log } = await startPhpServer(t, fpm);
  const r = await request(`${url}/stderr.php`);
  t.is(await r.body.text(), 'logged\n');
  t.true(log.lines.some((l) => String(l.fields['line']).includes('a line for the error log from stderr.php')), log.text());
});

test('try_files: existing static files are served as files, pretty URLs go to index.php, folders to their index', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  const css = await request(`${url}/assets/style.css`);
  t.is(css.statusCode, 200);
  t.is(css.headers['content-type'], 'text/css; charset=utf-8');
  t.truthy(css.headers['etag']);
  t.is(await css.body.text(), 'body { color: teal; }\n');
  const front = await json(`${url}/2024/01/hello-world?utm=x`);
  t.deepEqual(front.body, { front: true, uri: '/2024/01/hello-world?utm=x', script: '/index.php', path_info: '', query: 'utm=x', get: { utm: 'x' } });
  const root = await json(`${url}/`);
  t.like(root.body, { front: true, script: '/index.php', uri: '/' });
  const sub = await request(`${url}/sub/`);
  t.is(await sub.body.text(), 'sub index: /sub/index.php\n');
  const noSlash = await request(`${url}/sub`);
  t.is(noSlash.statusCode, 301);
  t.is(noSlash.headers['location'], '/sub/');
  await noSlash.body.dump();
  const pathInfo = await json(`${url}/path-info.php/extra/bits`);
  t.deepEqual(pathInfo.body, { script: '/path-info.php', path_info: '/extra/bits', self: '/path-info.php/extra/bits' });
});

test('the cgi.fix_pathinfo exploit: /uploads/x.jpg/y.php is a 404 and x.jpg never runs', async (t) => {
  const { url } = await startPhpServer(t, fpm);
  for (const [p, status] of [['/uploads/x.jpg/y.php', 404], ['/uploads/x.jpg/y.php/more', 404], ['/uploads/x.jpg%00.php', 400], ['/uploads/x.jpg/.php', 403]] as const) {
    const r = await request(url + p);
    const text = await r.body.text();
    t.is(r.statusCode, status, p);
    t.false(text.includes('EXPLOITED'), p);
  }
  // Without a .php segment it is just the file, sent as bytes, never run.
  const file = await request(`${url}/uploads/x.jpg`);
  t.is(file.headers['content-type'], 'image/jpeg');
  t.true((await file.body.text()).startsWith('<?php'));
  const below = await request(`${url}/uploads/x.jpg/anything`);
  t.false((await below.body.text()).includes('EXPLOITED'));
});

test('a .php path that does not exist is a 404 without asking php-fpm', async (t) => {
  const log = captureLog();
  // Nothing listens at this address: a request that reached for php-fpm would be a 502.
  const app = fastcgiApp({ address: `unix:${os.tmpdir()}/portico-nobody-${process.pid}.sock`, root: PHP_ROOT });
  const { url } = await startServer(t, { mounts: { '/': app }, logger: log });
  for (const p of ['/missing.php', '/dir/missing.php/x', '/MISSING.PHP', '/assets.php/style.css']) {
    const r = await request(url + p);
    await r.body.dump();
    t.is(r.statusCode, 404, p);
  }
  t.is(log.lines.length, 0, log.text());
  const json404 = await request(`${url}/missing.php`, { headers: { accept: 'application/json' } });
  t.is(json404.headers['content-type'], 'application/json; charset=utf-8');
  t.like(((await json404.body.json()) as { error: object }).error, { status: 404, code: 'ERR_FCGI_NOT_FOUND' });
});

test('traversal is refused: dot-segments stay inside the root, encoded slashes are 404, dotfiles 403, symlinks out 403', async (t) => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-fcgi-outside-'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-fcgi-root-'));
  t.teardown(() => {
    fs.rmSync(outside, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(outside, 'secret.php'), '<?php echo "OUTSIDE RAN\\n";');
  fs.writeFileSync(path.join(root, 'index.php'), '<?php echo "index\\n";');
  fs.symlinkSync(path.join(outside, 'secret.php'), path.join(root, 'link.php'));
  const { port } = await startPhpServer(t, fpm, { root });
  const get = async (target: string): Promise<{ status: number; body: string }> => {
    const r = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    return { status: r.responses[0]!.status, body: r.responses[0]!.body.toString() };
  };
  t.is((await get('/link.php')).status, 403);
  t.is((await get('/.env')).status, 403);
  t.is((await get('/.git/config')).status, 403);
  t.is((await get('/a%2f..%2f..%2fsecret.php')).status, 404);
  for (const target of ['/../' + path.basename(outside) + '/secret.php', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc/passwd']) {
    const r = await get(target);
    t.false(r.body.includes('OUTSIDE RAN'), target);
    t.false(r.body.includes('root:'), target);
  }
});

spoolLimitCases(
  test,
  'php-fpm',
  async (t) => {
    const { port } = await startPhpServer(t, fpm, { maxSpoolBytes: 1000 });
    return {
      port,
      limit: 1000,
      spooled: '/input.php',
      next: '/hello.php',
      streamed: '/input.php',
      lengthSeen: (res) => (JSON.parse(res.body.toString()) as { length: number }).length,
      boundAfterArrival: false,
    };
  },
  false,
);
