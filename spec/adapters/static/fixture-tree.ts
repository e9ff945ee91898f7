// A document root for the static specs, built fresh in a temp directory: plain
// files of known bytes, precompressed siblings (fresh and stale), dotfiles,
// awkward names, symlinks that stay inside the root and symlinks that lead out
// of it to a secret next door. Removed when the test file ends.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export interface FixtureTree {
  base: string;
  root: string;
  /** A directory beside the root holding secret.txt. */
  outside: string;
  /** The bytes of each file, by path below the root ("/hello.txt"). */
  files: Map<string, Buffer>;
  remove(): void;
}

export const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
export const DOTFILE_SECRET = 'DOTFILE-SECRET';

/** 1000 bytes: "0123456789" a hundred times, so every range's content is easy to predict. */
export const DIGITS = Buffer.from('0123456789'.repeat(100));
/** Text that compresses: repeated lines. */
export const COMPRESSIBLE = Buffer.from('Portico serves precompressed siblings when the client accepts them.\n'.repeat(50));

const PAST = new Date('2024-01-02T03:04:05Z');

export const makeFixtureTree = (): FixtureTree => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-static-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  const files = new Map<string, Buffer>();
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  const put = (name: string, data: Buffer | string): void => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    files.set('/' + name, bytes);
  };
  put('hello.txt', 'Hello, static world!\n');
  put('page.html', '<!doctype html><title>page</title><p>page</p>\n');
  put('style.css', 'body { color: red; }\n');
  put('app.js', 'console.log("app");\n');
  put('module.mjs', 'export default 1;\n');
  put('data.json', '{"ok":true}\n');
  put('image.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  put('font.woff2', Buffer.from('wOF2 font bytes'));
  put('UPPER.TXT', 'upper case extension\n');
  put('unknown.xyz', 'unknown extension\n');
  put('no-extension', 'no extension\n');
  put('empty.txt', '');
  put('digits.txt', DIGITS);
  put('big.bin', Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7 + (i >> 10)) & 0xff)));
  put('docs/index.html', '<h1>docs index</h1>\n');
  put('docs/guide.txt', 'the guide\n');
  put('docs/alt/default.htm', '<p>alt default</p>\n');
  put('a b.txt', 'space in the name\n');
  put('100%.txt', 'a percent sign in the name\n');
  put('café.txt', 'non-ASCII name\n');
  put('<script>.txt', 'angle brackets in the name\n');
  put('%2e%2e', 'a file literally named %2e%2e\n');
  put('.env', DOTFILE_SECRET + '\n');
  put('.hidden/file.txt', DOTFILE_SECRET + ' in a hidden directory\n');
  put('.well-known/security.txt', 'Contact: mailto:security@example.com\n');
  fs.mkdirSync(path.join(root, 'empty-dir'));

  put('compressed.txt', COMPRESSIBLE);
  put('compressed.txt.gz', zlib.gzipSync(COMPRESSIBLE));
  put('compressed.txt.br', zlib.brotliCompressSync(COMPRESSIBLE));
  put('only-gz.txt', COMPRESSIBLE);
  put('only-gz.txt.gz', zlib.gzipSync(COMPRESSIBLE));
  put('stale.txt', 'new content, edited after compression\n');
  put('stale.txt.gz', zlib.gzipSync('old content'));
  // The sibling is older than the file: it must not be served.
  fs.utimesSync(path.join(root, 'stale.txt.gz'), PAST, PAST);
  put('dated.txt', 'modified long ago\n');
  fs.utimesSync(path.join(root, 'dated.txt'), PAST, PAST);
  fs.utimesSync(path.join(root, 'digits.txt'), PAST, PAST);

  const link = (target: string, name: string): void => fs.symlinkSync(target, path.join(root, name));
  link('hello.txt', 'link-inside.txt');
  link('docs', 'link-dir');
  link('../outside/secret.txt', 'link-out.txt');
  link(path.join(outside, 'secret.txt'), 'link-out-absolute.txt');
  link('../outside', 'link-out-dir');
  link('.env', 'link-dot.txt');
  link('missing.txt', 'dangling.txt');
  // A sibling that is a symlink inside the root is followed.
  put('linked.txt', COMPRESSIBLE);
  fs.utimesSync(path.join(root, 'linked.txt'), PAST, PAST);
  link('compressed.txt.gz', 'linked.txt.gz');
  // A sibling that leads out: the identity file must be served instead.
  put('leaky.txt', COMPRESSIBLE);
  fs.symlinkSync('../outside/secret.txt', path.join(root, 'leaky.txt.gz'));
  // Newer than leaky.txt, so only the containment check can refuse it.
  const future = new Date(Date.now() + 86_400_000);
  fs.utimesSync(path.join(outside, 'secret.txt'), future, future);

  return { base, root, outside, files, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
};
