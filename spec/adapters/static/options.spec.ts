import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StaticOptionsError, staticApp, type StaticOptions, type StaticOptionsErrorCode } from '../../../adapters/static/index.js';
import { resolveOptions } from '../../../adapters/static/options.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-static-options-'));
const file = path.join(dir, 'file.txt');
fs.writeFileSync(file, 'x');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const refused = (t: ExecutionContext, options: unknown, code: StaticOptionsErrorCode, message: RegExp) => {
  const err = t.throws(() => staticApp(options as StaticOptions), { instanceOf: StaticOptionsError });
  t.is(err?.code, code);
  t.regex(err?.message ?? '', message);
};

test('defaults', (t) => {
  const config = resolveOptions({ root: dir });
  t.is(config.root, dir);
  t.is(config.realRoot, fs.realpathSync(dir));
  t.deepEqual(config.index, ['index.html']);
  t.is(config.cacheControl, null);
  t.true(config.precompressed);
  t.false(config.listDirectories);
  t.false(config.allowDotfiles);
  t.true(config.etag);
});

test('the root may be a relative path or a file: URL, and loses a trailing slash', (t) => {
  t.is(resolveOptions({ root: pathToFileURL(dir + '/') }).root, dir);
  t.is(resolveOptions({ root: dir + '/' }).root, dir);
  t.is(resolveOptions({ root: path.relative(process.cwd(), dir) || '.' }).root, dir);
  t.deepEqual(resolveOptions({ root: dir, index: 'home.htm' }).index, ['home.htm']);
  t.deepEqual(resolveOptions({ root: dir, index: false }).index, []);
});

test('a root that is missing or not a directory fails at creation with ERR_STATIC_ROOT', (t) => {
  refused(t, { root: path.join(dir, 'missing') }, 'ERR_STATIC_ROOT', /missing.*cannot be used/);
  refused(t, { root: file }, 'ERR_STATIC_ROOT', /is not a directory/);
});

test('bad options fail with ERR_INVALID_OPTION (ERR_UNKNOWN_OPTION for an unknown key) and say which', (t) => {
  refused(t, undefined, 'ERR_INVALID_OPTION', /options must be an object/);
  refused(t, {}, 'ERR_INVALID_OPTION', /"root"/);
  refused(t, { root: 42 }, 'ERR_INVALID_OPTION', /"root"/);
  refused(t, { root: new URL('http://example.com/') }, 'ERR_INVALID_OPTION', /file: URL/);
  refused(t, { root: dir, indexes: [] }, 'ERR_UNKNOWN_OPTION', /unknown option "indexes"/);
  refused(t, { root: dir, index: ['../x'] }, 'ERR_INVALID_OPTION', /plain file names/);
  refused(t, { root: dir, index: [''] }, 'ERR_INVALID_OPTION', /plain file names/);
  refused(t, { root: dir, index: 7 }, 'ERR_INVALID_OPTION', /"index"/);
  refused(t, { root: dir, mimeTypes: { 'a/b': 'text/plain' } }, 'ERR_INVALID_OPTION', /not a file extension/);
  refused(t, { root: dir, mimeTypes: { x: 'plain' } }, 'ERR_INVALID_OPTION', /not a media type/);
  refused(t, { root: dir, mimeTypes: { x: 'text/plain\r\nx: y' } }, 'ERR_INVALID_OPTION', /not a media type/);
  refused(t, { root: dir, mimeTypes: ['x'] }, 'ERR_INVALID_OPTION', /"mimeTypes"/);
  refused(t, { root: dir, cacheControl: '' }, 'ERR_INVALID_OPTION', /"cacheControl"/);
  refused(t, { root: dir, cacheControl: 'max-age=1\n' }, 'ERR_INVALID_OPTION', /"cacheControl"/);
  refused(t, { root: dir, precompressed: 'yes' }, 'ERR_INVALID_OPTION', /"precompressed" must be a boolean/);
  refused(t, { root: dir, listDirectories: 1 }, 'ERR_INVALID_OPTION', /"listDirectories"/);
  refused(t, { root: dir, etag: null }, 'ERR_INVALID_OPTION', /"etag"/);
  refused(t, { root: dir, dotfiles: 'ignore' }, 'ERR_INVALID_OPTION', /"dotfiles" must be 'deny' or 'allow'/);
});
