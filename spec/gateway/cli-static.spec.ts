// Static sites from the command line, as `npx serve` users type them: a folder
// as MODULE (`portico ./dist`, `serve dist`), --spa (`serve -s`), --listing,
// --cache-control and --compression, each applied to every static mount of the
// invocation, and each settable per mount in a config file (a mount's own value
// beats the top-level one). Every case runs the real CLI and asks with curl and
// undici; the mistakes (a static flag with no static mount, a static key on an
// app's mount) are one-line startup errors.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { request } from 'undici';
import { REPO, runCliToEnd, startCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { needs } from '../helpers/system-program.js';
import { serve } from '../../gateway/index.js';
import { staticApp } from '../../adapters/static/index.js';

const curlTest = needs('curl').test;
const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-static-'));
test.after.always(() => fs.rmSync(base, { recursive: true, force: true }));
const put = (name: string, text: string): string => {
  const file = path.join(base, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};
const SHELL = '<!doctype html><title>app</title><div id="root"></div>\n';
const CSS = 'body { color: rebeccapurple; margin: 0 auto; }\n'.repeat(100);
put('site/index.html', SHELL);
put('site/app.css', CSS);
put('site/assets/app.js', 'console.log("app");\n');
put('files/readme.txt', 'read me\n');
put('files/<b>bold<b>.txt', 'bold\n');
put('files/sub/inner.txt', 'inner\n');
const SITE = path.join(base, 'site');
const FILES = path.join(base, 'files');

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(url, { headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
};

test('a folder as MODULE serves its files (npx serve dist): index, files, 404, no listing', async (t) => {
  const cli = await startCli(t, ['--port', '0', SITE]);
  await cli.waitFor(new RegExp(`/ → static:${SITE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const index = await get(cli.url + '/', { accept: BROWSER });
  t.is(index.status, 200);
  t.is(index.body.toString(), SHELL);
  t.is((await get(cli.url + '/app.css')).body.toString(), CSS);
  t.is((await get(cli.url + '/deep/route', { accept: BROWSER })).status, 404, 'no SPA fallback without --spa');
  t.is((await get(cli.url + '/assets/')).status, 404, 'no listing without --listing');
  t.is((await get(cli.url + '/app.css')).headers['cache-control'], undefined);
});

curlTest('--spa DIR, as serve -s: a browser gets the shell for any route; assets stay files and 404s', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--spa', SITE]);
  const route = await curl(['-H', `Accept: ${BROWSER}`, `${cli.url}/users/7?tab=posts`]);
  t.is(route.status, 200);
  t.is(route.body.toString(), SHELL);
  t.is(route.headers['cache-control'], 'no-cache');
  t.is(route.headers['content-type'], 'text/html; charset=utf-8');
  const asset = await curl([`${cli.url}/assets/app.js`]);
  t.is(asset.status, 200);
  t.is(asset.body.toString(), 'console.log("app");\n');
  // curl's own Accept is */*, as a <script> or fetch(): a missing file is a 404, not HTML.
  t.is((await curl([`${cli.url}/assets/missing.js`])).status, 404);
});

curlTest('--listing: escaped HTML for browsers, JSON when Accept asks; off by default', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--listing', '--mount', `/files=static:${FILES}`]);
  const html = await curl(['-H', `Accept: ${BROWSER}`, `${cli.url}/files/`]);
  t.is(html.status, 200);
  t.is(html.headers['content-type'], 'text/html; charset=utf-8');
  const page = html.body.toString();
  t.true(page.includes('&lt;b&gt;bold&lt;b&gt;.txt'), page);
  t.false(page.includes('<b>bold'), 'the name is text, not markup');
  t.true(page.includes('href="/files/%3Cb%3Ebold%3Cb%3E.txt"'));
  t.true(page.includes('href="/files/sub/"'));
  const linked = await curl([`${cli.url}/files/%3Cb%3Ebold%3Cb%3E.txt`]);
  t.is(linked.body.toString(), 'bold\n');
  const json = await get(`${cli.url}/files/sub/`, { accept: 'application/json' });
  t.is(json.headers['content-type'], 'application/json; charset=utf-8');
  const listing = JSON.parse(json.body.toString()) as { path: string; entries: Array<{ name: string; href: string }> };
  t.is(listing.path, '/files/sub/');
  t.deepEqual(listing.entries.map((e) => [e.name, e.href]), [['inner.txt', '/files/sub/inner.txt']]);
});

test('--cache-control goes on every file and its 304; the SPA shell keeps no-cache', async (t) => {
  const value = 'public, max-age=31536000, immutable';
  const cli = await startCli(t, ['--port', '0', '--spa', '--cache-control', value, SITE]);
  const css = await get(cli.url + '/app.css');
  t.is(css.headers['cache-control'], value);
  const again = await get(cli.url + '/app.css', { 'if-none-match': String(css.headers['etag']) });
  t.is(again.status, 304);
  t.is(again.headers['cache-control'], value, 'RFC 9110 §15.4.5: a 304 carries the caching fields');
  for (const p of ['/', '/index.html', '/some/route']) t.is((await get(cli.url + p, { accept: BROWSER })).headers['cache-control'], 'no-cache', p);
});

curlTest('--compression: gzip and brotli for text, identity for a Range, to curl and undici', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--compression', SITE]);
  const viaCurl = await curl(['--compressed', `${cli.url}/app.css`]);
  t.is(viaCurl.status, 200);
  t.regex(viaCurl.headers['content-encoding'] ?? '', /^(br|gzip)$/);
  t.is(viaCurl.body.toString(), CSS, 'curl decoded it back to the file');
  const gzip = await get(cli.url + '/app.css', { 'accept-encoding': 'gzip' });
  t.is(gzip.headers['content-encoding'], 'gzip');
  t.true(gzip.body.length < CSS.length);
  t.is(zlib.gunzipSync(gzip.body).toString(), CSS);
  const br = await get(cli.url + '/app.css', { 'accept-encoding': 'br' });
  t.is(br.headers['content-encoding'], 'br');
  t.is(zlib.brotliDecompressSync(br.body).toString(), CSS);
  const range = await get(cli.url + '/app.css', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
  t.is(range.status, 206);
  t.is(range.headers['content-encoding'], undefined);
  t.is(range.body.toString(), CSS.slice(0, 10));
  t.is((await get(cli.url + '/app.css')).headers['content-encoding'], undefined, 'nothing the client did not accept');
});

test('the static flags apply to every static mount of the command line, and leave app mounts alone', async (t) => {
  const cli = await startCli(t, [
    '--port', '0', '--listing', '--cache-control', 'max-age=60',
    '--mount', `/a=static:${FILES}`, '--mount', `/b=${FILES}`, '--mount', `/app=${FIX}/fetch.mjs`,
  ]);
  for (const prefix of ['/a', '/b']) {
    const list = await get(`${cli.url}${prefix}/`, { accept: 'application/json' });
    t.is(list.status, 200, prefix);
    t.true(JSON.parse(list.body.toString()).entries.some((e: { name: string }) => e.name === 'readme.txt'), prefix);
    t.is((await get(`${cli.url}${prefix}/readme.txt`)).headers['cache-control'], 'max-age=60', prefix);
  }
  const app = await get(cli.url + '/app/x');
  t.is(app.body.toString(), 'fetch /x');
  t.is(app.headers['cache-control'], undefined);
});

test('per mount in a config file: each mount its own spa, listing, cacheControl and compression; a mount beats the top level and the flags', async (t) => {
  const config = put(
    'portico.json',
    JSON.stringify({
      compression: true,
      listing: true,
      mounts: {
        '/': { app: './site', spa: true, cacheControl: 'max-age=600' },
        '/files': { app: 'static:./files', listing: false, compression: false, cacheControl: 'no-store' },
        '/list': { app: './files' },
        '/app': { app: `${FIX}/fetch.mjs`, compression: false },
      },
    }),
  );
  // The flag sets every mount's default; the mounts' own keys still win.
  const cli = await startCli(t, ['--port', '0', '--config', config, '--cache-control', 'max-age=5']);
  const route = await get(cli.url + '/anything', { accept: BROWSER });
  t.is(route.status, 200);
  t.is(route.body.toString(), SHELL);
  const css = await get(cli.url + '/app.css', { 'accept-encoding': 'gzip' });
  t.is(css.headers['cache-control'], 'max-age=600');
  t.is(css.headers['content-encoding'], 'gzip', 'the top-level compression');
  t.is((await get(cli.url + '/files/', { accept: 'application/json' })).status, 404, 'listing: false on this mount');
  const readme = await get(cli.url + '/files/readme.txt', { 'accept-encoding': 'gzip' });
  t.is(readme.headers['cache-control'], 'no-store');
  t.is(readme.headers['content-encoding'], undefined);
  const list = await get(cli.url + '/list/', { accept: 'application/json' });
  t.is(list.status, 200, 'the top-level listing');
  t.is((await get(cli.url + '/list/readme.txt')).headers['cache-control'], 'max-age=5', 'the flag, where the mount sets none');
  t.is((await get(cli.url + '/app/x')).body.toString(), 'fetch /x');
});

const failsWith = test.macro(async (t, args: string[], expected: RegExp) => {
  const r = await runCliToEnd(args);
  t.is(r.status, 2, r.stderr.join('\n'));
  t.is(r.stderr.length, 1, r.stderr.join('\n'));
  t.regex(r.stderr[0]!, expected);
});

test('--spa with no static mount is an error, not ignored', failsWith, ['--spa', `${FIX}/fetch.mjs`], /^portico: --spa applies to static: mounts, and none is mounted/);
test('--listing with no static mount', failsWith, ['--listing', '--mount', `/x=${FIX}/fetch.mjs`], /--listing applies to static: mounts/);
test('--cache-control without a value', failsWith, ['--cache-control'], /--cache-control needs a value/);
test('--cache-control that is not a field value', failsWith, ['--cache-control', ' ', SITE], /--cache-control must be a Cache-Control field value/);
test('a static key on an app mount', failsWith, ['--config', put('bad-mount.json', JSON.stringify({ mounts: { '/api': { app: `${FIX}/fetch.mjs`, spa: true } } }))], /mount \/api: "spa" applies to static: mounts only, not to an app module/);
test('a spa file that leaves the root', failsWith, ['--config', put('bad-spa.json', JSON.stringify({ mounts: { '/': { app: './site', spa: '../x.html' } } }))], /mount \/: staticApp: "spa" must be/);
test('a forced module kind on a folder is still refused', failsWith, [`node:${FIX}`], /MODULE: is a directory, not a module/);

test('serve() refuses the CLI-only static keys in a mount: they belong to staticApp()', async (t) => {
  await t.throwsAsync(serve({ port: 0, mounts: { '/': { app: staticApp({ root: SITE }), listing: true } as never } }), {
    message: /serve\(\): "mounts"\["\/"\]\.listing: is for static: targets of the CLI and config files; in serve\(\), give it to the adapter \(staticApp/,
  });
});

test('serve() takes compression per mount: a mount may turn it off, or on alone', async (t) => {
  const big = (): { status: number; headers: Record<string, string>; body: string } => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: CSS });
  const server = await serve({ port: 0, compression: true, mounts: { '/on': big, '/off': { app: big, compression: false } } });
  t.teardown(() => server.close());
  const alone = await serve({ port: 0, mounts: { '/on': { app: big, compression: { threshold: 10 } }, '/off': big } });
  t.teardown(() => alone.close());
  for (const s of [server, alone]) {
    t.is((await get(s.url + '/on', { 'accept-encoding': 'gzip' })).headers['content-encoding'], 'gzip');
    t.is((await get(s.url + '/off', { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined);
  }
});
