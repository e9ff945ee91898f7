// The single-page app fallback (`spa`), as `serve -s` and nginx's
// `try_files $uri /index.html` behave: a browser navigating to a client-side
// route gets the shell, a script asking for a missing file gets a 404, and the
// shell is never cached without revalidation.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { curl } from '../../helpers/curl.js';
import { needs } from '../../helpers/system-program.js';
import { StaticOptionsError, staticApp, type StaticOptions } from '../../../adapters/static/index.js';
import { acceptsHtml } from '../../../adapters/static/accepts-html.js';

const curlTest = needs('curl').test;

const SHELL = '<!doctype html><title>app</title><script src="/assets/app.js"></script>\n';
const OTHER_SHELL = '<!doctype html><p>200 page</p>\n';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const IMMUTABLE = 'public, max-age=31536000, immutable';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-spa-'));
fs.writeFileSync(path.join(root, 'index.html'), SHELL);
fs.writeFileSync(path.join(root, '200.html'), OTHER_SHELL);
fs.mkdirSync(path.join(root, 'assets'));
fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1);\n');
fs.writeFileSync(path.join(root, '.env'), 'SECRET=1\n');
const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-spa-empty-'));
test.after.always(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});

const get = async (url: string, headers: Record<string, string> = {}, method = 'GET') => {
  const res = await request(url, { method, headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
};

const spa = (t: Parameters<typeof startServer>[0], options: Partial<StaticOptions> = {}, prefix = '/') =>
  startServer(t, { mounts: { [prefix]: staticApp({ root, spa: true, cacheControl: IMMUTABLE, ...options }) } });

test('a browser navigating to an unknown path gets the shell, 200, revalidated and varying on Accept', async (t) => {
  const { url, errors } = await spa(t);
  for (const route of ['/dashboard', '/users/42/edit', '/deep/path/', '/a%20b']) {
    const res = await get(url + route, { accept: BROWSER_ACCEPT });
    t.is(res.status, 200, route);
    t.is(res.body, SHELL, route);
    t.is(res.headers['content-type'], 'text/html; charset=utf-8');
    t.is(res.headers['cache-control'], 'no-cache', 'the shell must not inherit the immutable caching of the assets');
    t.is(res.headers['vary'], 'Accept-Encoding, Accept');
    t.truthy(res.headers['etag']);
  }
  t.deepEqual(errors, []);
});

test('files that exist are served as they are; the shell keeps no-cache wherever it is reached', async (t) => {
  const { url } = await spa(t);
  const asset = await get(url + '/assets/app.js', { accept: '*/*' });
  t.is(asset.status, 200);
  t.is(asset.headers['cache-control'], IMMUTABLE);
  t.is(asset.headers['vary'], 'Accept-Encoding');
  for (const p of ['/', '/index.html']) {
    const res = await get(url + p, { accept: BROWSER_ACCEPT });
    t.is(res.body, SHELL);
    t.is(res.headers['cache-control'], 'no-cache', p);
  }
});

test('a script, an image or a client without Accept asking for a missing file gets a 404', async (t) => {
  const { url } = await spa(t);
  for (const accept of [undefined, '*/*', 'image/avif,image/webp,*/*;q=0.8', 'application/json', 'text/html;q=0', 'text/css,*/*;q=0.1']) {
    const res = await get(url + '/missing.js', accept === undefined ? {} : { accept });
    t.is(res.status, 404, String(accept));
    t.is(res.headers['vary'], 'Accept', 'a cache must not hand this 404 to a browser');
    t.false(res.body.includes('<title>app</title>'));
  }
});

test('only GET and HEAD fall back; other methods keep their 405', async (t) => {
  const { url } = await spa(t);
  const head = await request(url + '/route', { method: 'HEAD', headers: { accept: 'text/html' } });
  t.is(head.statusCode, 200);
  t.is(head.headers['content-length'], String(Buffer.byteLength(SHELL)));
  t.is(await head.body.text(), '');
  for (const method of ['POST', 'PUT', 'DELETE']) {
    t.is((await get(url + '/route', { accept: 'text/html' }, method)).status, 405, method);
  }
});

test('dotfiles stay refused (403), not replaced by the shell', async (t) => {
  const { url } = await spa(t);
  t.is((await get(url + '/.env', { accept: BROWSER_ACCEPT })).status, 403);
});

test('the fallback answers conditional requests like the file itself (304)', async (t) => {
  const { url } = await spa(t);
  const first = await get(url + '/route', { accept: 'text/html' });
  const again = await get(url + '/other/route', { accept: 'text/html', 'if-none-match': String(first.headers['etag']) });
  t.is(again.status, 304);
  t.is(again.headers['cache-control'], 'no-cache');
  t.is(again.body, '');
});

test('spa may name another file; a mount prefix is kept; a missing shell is a plain 404', async (t) => {
  const custom = await spa(t, { spa: '200.html' }, '/app');
  const res = await get(custom.url + '/app/some/route', { accept: 'text/html' });
  t.is(res.status, 200);
  t.is(res.body, OTHER_SHELL);
  t.is((await get(custom.url + '/app/', { accept: 'text/html' })).body, SHELL, 'the index is still the index');
  const none = await startServer(t, { mounts: { '/': staticApp({ root: empty, spa: true }) } });
  t.is((await get(none.url + '/route', { accept: 'text/html' })).status, 404);
});

test('without spa a missing path is a 404 for browsers too', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root }) } });
  const res = await get(url + '/dashboard', { accept: BROWSER_ACCEPT });
  t.is(res.status, 404);
  t.is(res.headers['vary'], undefined);
});

test('bad spa values fail when the mount is created', (t) => {
  for (const spaValue of ['', '../index.html', 'a//b.html', 'a\\b.html', 7]) {
    const err = t.throws(() => staticApp({ root, spa: spaValue as never }), { instanceOf: StaticOptionsError });
    t.regex(err!.message, /"spa" must be/);
  }
});

test('acceptsHtml reads media ranges and q-values', (t) => {
  t.true(acceptsHtml('text/html'));
  t.true(acceptsHtml(BROWSER_ACCEPT));
  t.true(acceptsHtml('TEXT/HTML; q=0.5'));
  t.true(acceptsHtml('application/xhtml+xml'));
  t.false(acceptsHtml('text/html;q=0'));
  t.false(acceptsHtml('text/html; q=0.0'));
  t.false(acceptsHtml('*/*'));
  t.false(acceptsHtml('text/*'));
  t.false(acceptsHtml('text/htmlx'));
  t.false(acceptsHtml(undefined));
});

curlTest('curl: the shell for Accept: text/html, a 404 for curl\'s own */*', async (t) => {
  const { url } = await spa(t);
  const page = await curl(['-H', 'Accept: text/html', url + '/settings/profile']);
  t.is(page.status, 200);
  t.is(page.body.toString(), SHELL);
  t.is(page.headers['cache-control'], 'no-cache');
  t.is((await curl([url + '/settings/profile'])).status, 404);
});
