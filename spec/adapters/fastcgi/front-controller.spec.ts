// The routing decision on real files in a temporary root, without php-fpm:
// scripts, PATH_INFO, static files, folders, the front controller, and the
// remembered real paths: a script seen once and then swapped for a symlink to
// a file outside the root (or a folder on its path swapped so) is refused
// again, never served from memory; a file replaced in place is looked up anew.

import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envFixture } from '../../helpers/env-fixture.js';
import { FrontController } from '../../../adapters/fastcgi/front-controller.js';
import { FastCgiError } from '../../../adapters/fastcgi/fastcgi-error.js';
import { resolveOptions } from '../../../adapters/fastcgi/options.js';

const envFor = (pathInfo: string) => envFixture({ scriptName: '/site', pathInfo, rawPathInfo: pathInfo, target: '/site' + pathInfo });

/** A root with index.php, a.php, style.css, sub/index.php, and a folder outside it with evil.php. */
const tree = (t: ExecutionContext): { root: string; outside: string; router: FrontController } => {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'portico-front-controller-')));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  for (const f of ['index.php', 'a.php', 'style.css', 'sub/index.php']) fs.writeFileSync(path.join(root, f), f);
  fs.writeFileSync(path.join(outside, 'evil.php'), 'evil');
  fs.writeFileSync(path.join(outside, 'a.php'), 'evil too');
  return { root, outside, router: new FrontController(resolveOptions({ address: 'unix:/nowhere.sock', root })) };
};

const codeOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof FastCgiError ? err.code : String(err);
  }
};

test('scripts with PATH_INFO, static files, folders and the front controller', (t) => {
  const { root, router } = tree(t);
  t.deepEqual(router.route(envFor('/a.php/x/y')), { kind: 'script', filename: path.join(root, 'a.php'), scriptName: '/site/a.php', pathInfo: '/x/y', baseName: 'a.php' });
  t.deepEqual(router.route(envFor('/style.css')), { kind: 'static' });
  t.like(router.route(envFor('/sub/')), { kind: 'script', filename: path.join(root, 'sub/index.php'), scriptName: '/site/sub/index.php' });
  t.deepEqual(router.route(envFor('/sub')), { kind: 'static' }, 'static redirects to the slash form');
  t.like(router.route(envFor('/pretty/url')), { kind: 'script', filename: path.join(root, 'index.php'), pathInfo: '' });
  t.is(codeOf(() => router.route(envFor('/missing.php'))), 'ERR_FCGI_NOT_FOUND');
  t.is(codeOf(() => router.route(envFor('/style.css/x.php'))), 'ERR_FCGI_NOT_FOUND', 'the fix_pathinfo exploit');
});

test('a script seen once, then swapped for a symlink out of the root, is refused', (t) => {
  const { root, outside, router } = tree(t);
  t.like(router.route(envFor('/a.php')), { kind: 'script', filename: path.join(root, 'a.php') });
  fs.rmSync(path.join(root, 'a.php'));
  fs.symlinkSync(path.join(outside, 'evil.php'), path.join(root, 'a.php'));
  t.is(codeOf(() => router.route(envFor('/a.php'))), 'ERR_FCGI_FORBIDDEN');
});

test('a folder on the path swapped for a symlink out of the root: refused, even to a file named alike', (t) => {
  const { root, outside, router } = tree(t);
  t.like(router.route(envFor('/sub/index.php')), { filename: path.join(root, 'sub/index.php') });
  fs.renameSync(path.join(root, 'sub'), path.join(root, 'sub-old'));
  fs.copyFileSync(path.join(outside, 'a.php'), path.join(outside, 'index.php'));
  fs.symlinkSync(outside, path.join(root, 'sub'));
  t.is(codeOf(() => router.route(envFor('/sub/index.php'))), 'ERR_FCGI_FORBIDDEN');
});

test('symlinks inside the root resolve to the real file; a file replaced in place or removed is looked up anew', (t) => {
  const { root, router } = tree(t);
  fs.symlinkSync(path.join(root, 'a.php'), path.join(root, 'alias.php'));
  t.like(router.route(envFor('/alias.php')), { filename: path.join(root, 'a.php'), scriptName: '/site/alias.php' });
  fs.rmSync(path.join(root, 'alias.php'));
  fs.writeFileSync(path.join(root, 'alias.php'), 'now a file of its own');
  t.like(router.route(envFor('/alias.php')), { filename: path.join(root, 'alias.php') });
  fs.rmSync(path.join(root, 'alias.php'));
  t.is(codeOf(() => router.route(envFor('/alias.php'))), 'ERR_FCGI_NOT_FOUND');
});
