import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { header } from '../../helpers/response-reader.js';
import { validate, type Violation } from '../../../gateway/index.js';
import { staticApp } from '../../../adapters/static/index.js';
import { COMPRESSIBLE, makeFixtureTree } from './fixture-tree.js';

const tree = makeFixtureTree();
test.after.always(() => tree.remove());

const get = async (url: string, headers: Record<string, string> = {}, method = 'GET') => {
  const res = await request(url, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
};

const serveRoot = (t: Parameters<typeof startServer>[0], options: Partial<Parameters<typeof staticApp>[0]> = {}) =>
  startServer(t, { mounts: { '/': staticApp({ root: tree.root, ...options }) } });

test('serves a file with its bytes, length, type and validators', async (t) => {
  const { url, errors } = await serveRoot(t);
  const res = await get(url + '/hello.txt');
  t.is(res.status, 200);
  t.deepEqual(res.body, tree.files.get('/hello.txt'));
  t.is(res.headers['content-length'], String(tree.files.get('/hello.txt')!.length));
  t.is(res.headers['content-type'], 'text/plain; charset=utf-8');
  t.is(res.headers['accept-ranges'], 'bytes');
  t.regex(String(res.headers['etag']), /^"[0-9a-f]+-[0-9a-f]+"$/);
  const mtime = fs.statSync(path.join(tree.root, 'hello.txt')).mtime;
  t.is(res.headers['last-modified'], new Date(Math.floor(mtime.getTime() / 1000) * 1000).toUTCString());
  t.is(res.headers['cache-control'], undefined);
  t.deepEqual(errors, []);
});

test('a file larger than one read streams intact with Content-Length', async (t) => {
  const { url } = await serveRoot(t);
  const res = await get(url + '/big.bin');
  t.is(res.status, 200);
  t.is(res.headers['content-length'], String(300 * 1024));
  t.true(res.body.equals(tree.files.get('/big.bin')!));
});

test('an empty file is a 200 with Content-Length 0', async (t) => {
  const { port } = await serveRoot(t);
  const r = await exchange(port, 'GET /empty.txt HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(r.responses[0]?.status, 200);
  t.is(header(r.responses[0]!, 'content-length'), '0');
  t.is(r.responses[0]!.body.length, 0);
});

test('MIME types come from the extension, case-insensitively, octet-stream when unknown', async (t) => {
  const { url } = await serveRoot(t);
  const expected: Record<string, string> = {
    '/page.html': 'text/html; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/app.js': 'text/javascript; charset=utf-8',
    '/module.mjs': 'text/javascript; charset=utf-8',
    '/data.json': 'application/json; charset=utf-8',
    '/image.png': 'image/png',
    '/font.woff2': 'font/woff2',
    '/UPPER.TXT': 'text/plain; charset=utf-8',
    '/unknown.xyz': 'application/octet-stream',
    '/no-extension': 'application/octet-stream',
  };
  for (const [file, type] of Object.entries(expected)) {
    const res = await get(url + file);
    t.is(res.status, 200, file);
    t.is(res.headers['content-type'], type, file);
  }
});

test('the MIME table is extensible and overridable per mount', async (t) => {
  const { url } = await serveRoot(t, { mimeTypes: { '.xyz': 'application/x-xyz', TXT: 'text/x-custom' } });
  t.is((await get(url + '/unknown.xyz')).headers['content-type'], 'application/x-xyz');
  t.is((await get(url + '/hello.txt')).headers['content-type'], 'text/x-custom');
  t.is((await get(url + '/UPPER.TXT')).headers['content-type'], 'text/x-custom');
});

test('Cache-Control is set per mount, on 200, 206 and 304 alike', async (t) => {
  const { url } = await startServer(t, {
    mounts: {
      '/': staticApp({ root: tree.root }),
      '/assets': staticApp({ root: tree.root, cacheControl: 'public, max-age=31536000, immutable' }),
    },
  });
  const full = await get(url + '/assets/style.css');
  t.is(full.headers['cache-control'], 'public, max-age=31536000, immutable');
  const partial = await get(url + '/assets/digits.txt', { range: 'bytes=0-1' });
  t.is(partial.status, 206);
  t.is(partial.headers['cache-control'], 'public, max-age=31536000, immutable');
  const notModified = await get(url + '/assets/style.css', { 'if-none-match': String(full.headers['etag']) });
  t.is(notModified.status, 304);
  t.is(notModified.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.is((await get(url + '/style.css')).headers['cache-control'], undefined);
});

test('HEAD answers with the fields GET would send, and no body', async (t) => {
  const { port } = await serveRoot(t, { cacheControl: 'no-cache' });
  const paths = ['/hello.txt', '/big.bin', '/docs/', '/docs', '/missing.txt', '/.env', '/compressed.txt', '/empty.txt'];
  for (const p of paths) {
    for (const ae of ['', 'Accept-Encoding: br, gzip\r\n']) {
      const g = await exchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\n${ae}\r\n`);
      const h = await exchange(port, `HEAD ${p} HTTP/1.1\r\nHost: x\r\n${ae}\r\n`, { headRequests: new Set([0]) });
      const fields = (r: typeof g) => r.responses[0]!.headers.filter(([n]) => n !== 'date' && n !== 'location' && !(n === 'content-type' && r.responses[0]!.status !== 200));
      t.is(h.responses[0]!.status, g.responses[0]!.status, p);
      t.deepEqual(fields(h), fields(g), p + ' ' + ae);
      t.is(h.responses[0]!.body.length, 0);
      t.deepEqual(h.rest, Buffer.alloc(0), 'no body bytes after a HEAD response');
    }
  }
});

test('HEAD with a Range is answered as a whole (Range is defined for GET only)', async (t) => {
  const { url } = await serveRoot(t);
  const res = await get(url + '/digits.txt', { range: 'bytes=0-9' }, 'HEAD');
  t.is(res.status, 200);
  t.is(res.headers['content-length'], '1000');
  t.is(res.headers['content-range'], undefined);
});

test('methods other than GET and HEAD: OPTIONS is 204 with Allow, the rest 405 with Allow', async (t) => {
  const { url, port } = await serveRoot(t);
  const options = await get(url + '/hello.txt', {}, 'OPTIONS');
  t.is(options.status, 204);
  t.is(options.headers['allow'], 'GET, HEAD, OPTIONS');
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const res = await get(url + '/hello.txt', {}, method);
    t.is(res.status, 405, method);
    t.is(res.headers['allow'], 'GET, HEAD, OPTIONS');
  }
  // A body sent with a refused method does not leak into the next request.
  const r = await exchange(port, 'POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n', {
    expectResponses: 2,
  });
  t.deepEqual(r.responses.map((x) => x.status), [405, 200]);
});

test('a directory without its slash is a 301 to the slash URL, keeping mount, raw path and query', async (t) => {
  const { port } = await startServer(t, {
    mounts: { '/': staticApp({ root: tree.root }), '/files': staticApp({ root: tree.root }) },
  });
  const cases: Array<[string, string]> = [
    ['/docs', '/docs/'],
    ['/docs?x=1&y=%20', '/docs/?x=1&y=%20'],
    ['/files', '/files/'],
    ['/files/docs', '/files/docs/'],
    ['/files/docs/alt?q', '/files/docs/alt/?q'],
    ['/link-dir', '/link-dir/'],
    ['/%64ocs', '/%64ocs/'],
    // A leading "//" would make Location a reference to another host.
    ['//docs', '/docs/'],
  ];
  for (const [target, location] of cases) {
    const r = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    t.is(r.responses[0]?.status, 301, target);
    t.is(header(r.responses[0]!, 'location'), location, target);
  }
});

test('a directory with its slash serves the first index file that exists', async (t) => {
  const { url } = await startServer(t, {
    mounts: {
      '/': staticApp({ root: tree.root }),
      '/alt': staticApp({ root: tree.root, index: ['index.html', 'default.htm'] }),
      '/none': staticApp({ root: tree.root, index: false }),
    },
  });
  const docs = await get(url + '/docs/');
  t.is(docs.status, 200);
  t.is(docs.body.toString(), '<h1>docs index</h1>\n');
  t.is(docs.headers['content-type'], 'text/html; charset=utf-8');
  t.truthy(docs.headers['etag']);
  t.is((await get(url + '/docs/alt/')).status, 404);
  const alt = await get(url + '/alt/docs/alt/');
  t.is(alt.status, 200);
  t.is(alt.body.toString(), '<p>alt default</p>\n');
  t.is((await get(url + '/none/docs/')).status, 404);
  t.is((await get(url + '/empty-dir/')).status, 404);
  // Through a symlinked directory that stays inside the root.
  t.is((await get(url + '/link-dir/')).body.toString(), '<h1>docs index</h1>\n');
});

test('directory listing is off by default and, when on, escapes names and hides dotfiles', async (t) => {
  const { url } = await startServer(t, {
    mounts: { '/': staticApp({ root: tree.root }), '/browse': staticApp({ root: tree.root, listDirectories: true, index: [] }) },
  });
  t.is((await get(url + '/')).status, 404);
  const res = await get(url + '/browse/');
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'text/html; charset=utf-8');
  const html = res.body.toString();
  t.true(html.includes('<title>Index of /browse/</title>'));
  t.true(html.includes('<a href="/browse/%3Cscript%3E.txt">&lt;script&gt;.txt</a>'));
  t.false(html.includes('<script>'));
  t.true(html.includes('<a href="/browse/a%20b.txt">a b.txt</a>'));
  t.true(html.includes('<a href="/browse/100%25.txt">100%.txt</a>'));
  t.true(html.includes('<a href="/browse/caf%C3%A9.txt">café.txt</a>'));
  t.true(html.includes('<a href="/browse/docs/">docs/</a>'));
  t.true(html.includes('<a href="/browse/link-dir/">link-dir/</a>'), 'a linked directory is listed as one');
  t.false(html.includes('.env'));
  t.false(html.includes('.hidden'));
  // Every link in the listing leads to its file, except the links the mount refuses to follow.
  const refused: Record<string, number> = {
    '/browse/link-out.txt': 404,
    '/browse/link-out-absolute.txt': 404,
    '/browse/link-out-dir/': 404,
    '/browse/link-dot.txt': 403,
    '/browse/dangling.txt': 404,
    '/browse/leaky.txt.gz': 404,
  };
  let links = 0;
  for (const [, href] of html.matchAll(/href="([^"]+)"/g)) {
    if (href === '../') continue;
    links++;
    t.is((await get(url + href!)).status, refused[href!] ?? 200, href);
  }
  t.true(links > 30);
  const sub = await get(url + '/browse/docs/');
  t.true(sub.body.toString().includes('<a href="../">../</a>'));
  t.true(sub.body.toString().includes('<a href="/browse/docs/guide.txt">guide.txt</a>'));
  const withDots = await startServer(t, { mounts: { '/': staticApp({ root: tree.root, listDirectories: true, index: [], dotfiles: 'allow' }) } });
  t.true((await get(withDots.url + '/')).body.toString().includes('>.env</a>'));
});

test('names with spaces, percent signs and non-ASCII characters are served', async (t) => {
  const { url } = await serveRoot(t);
  t.is((await get(url + '/a%20b.txt')).body.toString(), 'space in the name\n');
  t.is((await get(url + '/100%25.txt')).body.toString(), 'a percent sign in the name\n');
  t.is((await get(url + '/caf%C3%A9.txt')).body.toString(), 'non-ASCII name\n');
  t.is((await get(url + '/%3Cscript%3E.txt')).body.toString(), 'angle brackets in the name\n');
  // "%252e%252e" decodes once to the name "%2e%2e": a file, not a dot-segment.
  t.is((await get(url + '/%252e%252e')).body.toString(), 'a file literally named %2e%2e\n');
});

test('dotfiles are refused by default (403), served when allowed; .well-known is always served', async (t) => {
  const { url } = await startServer(t, {
    mounts: { '/': staticApp({ root: tree.root }), '/dots': staticApp({ root: tree.root, dotfiles: 'allow' }) },
  });
  for (const p of ['/.env', '/.hidden/file.txt', '/.hidden/', '/%2eenv', '/docs/../.env', '/link-dot.txt']) {
    const res = await get(url + p);
    t.is(res.status, 403, p);
    t.false(res.body.toString().includes('DOTFILE-SECRET'), p);
  }
  t.is((await get(url + '/.well-known/security.txt')).status, 200);
  t.is((await get(url + '/dots/.env')).body.toString(), 'DOTFILE-SECRET\n');
  t.is((await get(url + '/dots/.hidden/file.txt')).status, 200);
  t.is((await get(url + '/dots/link-dot.txt')).status, 200);
});

test('precompressed siblings are chosen by Accept-Encoding, with Content-Encoding and Vary', async (t) => {
  const { url } = await serveRoot(t);
  const br = tree.files.get('/compressed.txt.br')!;
  const gz = tree.files.get('/compressed.txt.gz')!;
  const cases: Array<[string | undefined, 'br' | 'gzip' | null]> = [
    [undefined, null],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['BR;Q=1, GZIP;q=0.9', 'br'],
    ['x-gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['gzip;q=0, br;q=0', null],
    ['identity', null],
    ['deflate', null],
  ];
  const etags = new Set<string>();
  for (const [ae, coding] of cases) {
    const res = await get(url + '/compressed.txt', ae === undefined ? {} : { 'accept-encoding': ae });
    t.is(res.status, 200, ae);
    t.is(res.headers['vary'], 'Accept-Encoding', ae);
    t.is(res.headers['content-type'], 'text/plain; charset=utf-8', ae);
    t.is(res.headers['content-encoding'], coding ?? undefined, ae);
    const expected = coding === 'br' ? br : coding === 'gzip' ? gz : COMPRESSIBLE;
    t.true(res.body.equals(expected), ae);
    t.is(res.headers['content-length'], String(expected.length), ae);
    etags.add(String(res.headers['etag']));
  }
  t.is(etags.size, 3, 'each representation has its own ETag');
  t.true(zlib.brotliDecompressSync(br).equals(COMPRESSIBLE));
});

test('a sibling that is missing, stale or leads out of the root is not served', async (t) => {
  const { url } = await serveRoot(t);
  const onlyGz = await get(url + '/only-gz.txt', { 'accept-encoding': 'br, gzip' });
  t.is(onlyGz.headers['content-encoding'], 'gzip');
  const stale = await get(url + '/stale.txt', { 'accept-encoding': 'gzip' });
  t.is(stale.headers['content-encoding'], undefined);
  t.is(stale.body.toString(), 'new content, edited after compression\n');
  const linked = await get(url + '/linked.txt', { 'accept-encoding': 'gzip' });
  t.is(linked.headers['content-encoding'], 'gzip', 'a sibling that is a symlink inside the root');
  t.true(linked.body.equals(tree.files.get('/compressed.txt.gz')!));
  const leaky = await get(url + '/leaky.txt', { 'accept-encoding': 'gzip' });
  t.is(leaky.headers['content-encoding'], undefined);
  t.true(leaky.body.equals(COMPRESSIBLE));
  const off = await startServer(t, { mounts: { '/': staticApp({ root: tree.root, precompressed: false }) } });
  const plain = await get(off.url + '/compressed.txt', { 'accept-encoding': 'br, gzip' });
  t.is(plain.headers['content-encoding'], undefined);
  t.is(plain.headers['vary'], undefined);
  t.true(plain.body.equals(COMPRESSIBLE));
});

test('a Range request gets the identity representation even when a sibling is accepted', async (t) => {
  const { url } = await serveRoot(t);
  const res = await get(url + '/compressed.txt', { 'accept-encoding': 'br, gzip', range: 'bytes=0-6' });
  t.is(res.status, 206);
  t.is(res.headers['content-encoding'], undefined);
  t.is(res.headers['vary'], 'Accept-Encoding');
  t.is(res.body.toString(), 'Portico');
});

test('conditional requests work against the precompressed representation', async (t) => {
  const { url } = await serveRoot(t);
  const first = await get(url + '/compressed.txt', { 'accept-encoding': 'gzip' });
  const again = await get(url + '/compressed.txt', { 'accept-encoding': 'gzip', 'if-none-match': String(first.headers['etag']) });
  t.is(again.status, 304);
  t.is(again.headers['etag'], first.headers['etag']);
  t.is(again.headers['vary'], 'Accept-Encoding');
  // The identity representation has another tag: the gzip one does not validate it.
  const identity = await get(url + '/compressed.txt', { 'if-none-match': String(first.headers['etag']) });
  t.is(identity.status, 200);
});

test('etag: false sends no ETag; Last-Modified still validates', async (t) => {
  const { url } = await serveRoot(t, { etag: false });
  const res = await get(url + '/hello.txt');
  t.is(res.headers['etag'], undefined);
  t.is((await get(url + '/hello.txt', { 'if-modified-since': String(res.headers['last-modified']) })).status, 304);
  t.is((await get(url + '/hello.txt', { 'if-none-match': '*' })).status, 304);
  t.is((await get(url + '/hello.txt', { 'if-match': '"anything"' })).status, 412);
});

test('a FIFO or other non-regular file is a 404, never opened', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const fifo = path.join(tree.root, 'pipe.txt');
  execFileSync('mkfifo', [fifo]);
  t.teardown(() => fs.rmSync(fifo, { force: true }));
  const { url } = await serveRoot(t);
  t.is((await get(url + '/pipe.txt')).status, 404);
});

test('responses keep to the gateway interface (validate reports nothing)', async (t) => {
  const violations: Violation[] = [];
  const { url, errors } = await startServer(t, {
    mounts: { '/': validate(staticApp({ root: tree.root, listDirectories: true }), (v) => violations.push(v)) },
  });
  const requests: Array<[string, Record<string, string>, string?]> = [
    ['/hello.txt', {}],
    ['/big.bin', {}],
    ['/big.bin', { range: 'bytes=0-10,200000-' }],
    ['/digits.txt', { range: 'bytes=5-' }],
    ['/digits.txt', { range: 'bytes=2000-' }],
    ['/hello.txt', { 'if-match': '"x"' }],
    ['/docs', {}],
    ['/empty-dir/', {}],
    ['/missing', {}],
    ['/compressed.txt', { 'accept-encoding': 'br' }],
    ['/hello.txt', {}, 'HEAD'],
    ['/hello.txt', {}, 'OPTIONS'],
    ['/hello.txt', {}, 'DELETE'],
  ];
  for (const [p, h, m] of requests) await get(url + p, h, m);
  t.deepEqual(violations, []);
  t.deepEqual(errors, []);
});
