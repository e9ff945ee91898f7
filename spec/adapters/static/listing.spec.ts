// Directory listings (`listDirectories`): directories first and sorted, every
// hostile name shown as text and linked to itself, JSON for clients that ask for
// it, and nothing cached without revalidation.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { curl } from '../../helpers/curl.js';
import { needs } from '../../helpers/system-program.js';
import { staticApp } from '../../../adapters/static/index.js';

const curlTest = needs('curl').test;

/** Names a listing must survive: markup, entities, quotes, spaces, percent signs, non-ASCII. */
export const HOSTILE_NAMES = [
  '<img src=x onerror="document.title=\'pwned\'">.txt',
  'a&amp;b.txt',
  `quote"single'.txt`,
  '  leading and trailing spaces  .txt',
  '100% done?#frag.txt',
  'café ünïcödé 日本語.txt',
  'emoji 🎉.txt',
  '"><b>bold<b>.txt',
];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-listing-'));
for (const name of HOSTILE_NAMES) fs.writeFileSync(path.join(root, name), `bytes of ${name}\n`);
fs.writeFileSync(path.join(root, 'B-upper.txt'), 'B');
fs.writeFileSync(path.join(root, 'a-lower.txt'), 'a'.repeat(1234));
fs.mkdirSync(path.join(root, 'zeta-dir'));
fs.mkdirSync(path.join(root, 'Alpha dir'));
fs.mkdirSync(path.join(root, '<dir>'));
fs.writeFileSync(path.join(root, 'zeta-dir', 'inside.txt'), 'inside\n');
fs.writeFileSync(path.join(root, '.secret'), 'hidden\n');
fs.symlinkSync('zeta-dir', path.join(root, 'link-to-dir'));
const MTIME = new Date('2025-03-04T05:06:07Z');
fs.utimesSync(path.join(root, 'a-lower.txt'), MTIME, MTIME);
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
};

const listing = (t: Parameters<typeof startServer>[0], prefix = '/files') =>
  startServer(t, { mounts: { [prefix]: staticApp({ root, listDirectories: true }) } });

interface JsonListing {
  path: string;
  entries: Array<{ name: string; type: 'file' | 'directory'; href: string; size: number | null; modified: string | null }>;
}

test('JSON when Accept prefers it: directories first, each group sorted, hrefs, sizes and dates', async (t) => {
  const { url } = await listing(t);
  const res = await get(url + '/files/', { accept: 'application/json' });
  t.is(res.status, 200);
  t.is(res.headers['content-type'], 'application/json; charset=utf-8');
  t.is(res.headers['vary'], 'Accept');
  t.is(res.headers['cache-control'], 'no-cache');
  const body = JSON.parse(res.body) as JsonListing;
  t.is(body.path, '/files/');
  const dirs = ['<dir>', 'Alpha dir', 'link-to-dir', 'zeta-dir'];
  const files = ['B-upper.txt', 'a-lower.txt', ...HOSTILE_NAMES].sort();
  t.deepEqual(body.entries.map((e) => e.name), [...dirs, ...files]);
  t.true(body.entries.slice(0, 4).every((e) => e.type === 'directory' && e.size === null && e.href.endsWith('/')));
  const lower = body.entries.find((e) => e.name === 'a-lower.txt')!;
  t.deepEqual(lower, { name: 'a-lower.txt', type: 'file', href: '/files/a-lower.txt', size: 1234, modified: MTIME.toISOString() });
  t.false(body.entries.some((e) => e.name.startsWith('.')), 'dotfiles are hidden');
  // Every href leads to that entry.
  for (const entry of body.entries) {
    const r = await get(url + entry.href, { accept: 'application/json' });
    t.is(r.status, 200, entry.href);
    if (entry.type === 'file') t.is(r.body, fs.readFileSync(path.join(root, entry.name), 'utf8'));
  }
});

test('HTML for browsers: hostile names are text, every link fetches its own file', async (t) => {
  const { url } = await listing(t);
  const res = await get(url + '/files/', { accept: 'text/html,*/*;q=0.8' });
  t.is(res.headers['content-type'], 'text/html; charset=utf-8');
  const html = res.body;
  t.false(html.includes('<img'), 'no markup from a file name');
  t.false(html.includes('<b>'));
  t.false(html.includes('<dir>'));
  t.true(html.includes('&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;.txt</a>'));
  t.true(html.includes('>a&amp;amp;b.txt</a>'));
  t.true(html.includes('>&lt;dir&gt;/</a>'));
  t.true(html.includes('<td class="size">1234</td><td>2025-03-04 05:06</td>'));
  // Directories come before files, in order.
  const names = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]!);
  t.deepEqual(names.slice(0, 5), ['../', '/files/%3Cdir%3E/', '/files/Alpha%20dir/', '/files/link-to-dir/', '/files/zeta-dir/']);
  const decode = (href: string) => href.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
  for (const name of HOSTILE_NAMES) {
    const href = names.map(decode).find((h) => decodeURIComponent(h) === '/files/' + name);
    t.truthy(href, name);
    const file = await get(url + href!);
    t.is(file.status, 200, name);
    t.is(file.body, `bytes of ${name}\n`);
  }
});

test('a listing at the root has no parent link; a sub-directory has one', async (t) => {
  const { url } = await listing(t, '/');
  const top = await get(url + '/');
  t.false(top.body.includes('href="../"'));
  const sub = await get(url + '/zeta-dir/');
  t.true(sub.body.includes('<a href="../">../</a>'));
  t.true(sub.body.includes('<a href="/zeta-dir/inside.txt">inside.txt</a>'));
});

test('HEAD of a listing has the fields and no body', async (t) => {
  const { url } = await listing(t);
  const res = await request(url + '/files/', { method: 'HEAD' });
  t.is(res.statusCode, 200);
  t.is(res.headers['content-type'], 'text/html; charset=utf-8');
  t.is(await res.body.text(), '');
});

curlTest('curl: the listing as HTML and as JSON', async (t) => {
  const { url } = await listing(t);
  const html = await curl([url + '/files/']);
  t.is(html.status, 200);
  t.true(html.body.toString().includes('<title>Index of /files/</title>'));
  const json = await curl(['-H', 'Accept: application/json', url + '/files/zeta-dir/']);
  t.deepEqual((JSON.parse(json.body.toString()) as JsonListing).entries.map((e) => e.href), ['/files/zeta-dir/inside.txt']);
});
