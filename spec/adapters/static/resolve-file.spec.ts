import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { staticApp } from '../../../adapters/static/index.js';
import { startChildServer } from './child.js';
import { DOTFILE_SECRET, SECRET, makeFixtureTree } from './fixture-tree.js';

const tree = makeFixtureTree();
test.after.always(() => tree.remove());

// Each target tries to reach outside/secret.txt (beside the root) or a dotfile.
// Whatever the gateway and the app make of it, the answer must be a refusal
// and must never carry the secret.
const TRAVERSALS = [
  '/../outside/secret.txt',
  '/../../../../../../etc/passwd',
  '/docs/../../outside/secret.txt',
  '/..%2foutside%2fsecret.txt',
  '/..%2Foutside%2Fsecret.txt',
  '/%2e%2e/outside/secret.txt',
  '/%2E%2E/%2E%2E/outside/secret.txt',
  '/%2e%2e%2foutside%2fsecret.txt',
  '/.%2e/outside/secret.txt',
  '/..%5coutside%5csecret.txt',
  '/..\\outside\\secret.txt',
  '/%5c..%5c..%5coutside%5csecret.txt',
  '/%252e%252e/outside/secret.txt',
  '/%252e%252e%252foutside%252fsecret.txt',
  '/%25252e%25252e/outside/secret.txt',
  '/secret.txt%00.html',
  '/%00',
  '/link-out.txt%00',
  '/%c0%ae%c0%ae/outside/secret.txt',
  '/%c0%ae%c0%ae%c0%afoutside%c0%afsecret.txt',
  '/%e0%80%ae%e0%80%ae/outside/secret.txt',
  '/%ef%bc%8e%ef%bc%8e/outside/secret.txt',
  '/%u002e%u002e/outside/secret.txt',
  '/link-out.txt',
  '/link-out-absolute.txt',
  '/link-out-dir/secret.txt',
  '/link-out-dir/',
  '/link-out-dir',
  '/link-dir/../../outside/secret.txt',
  '/link-dot.txt',
  '/.env',
  '/%2eenv',
  '/.hidden/file.txt',
  '/docs/%2e%2e/.env',
  '/dangling.txt',
  'http://x/../outside/secret.txt',
  '/./.././outside/secret.txt',
  '//outside/secret.txt',
  '/' + '../'.repeat(50) + 'outside/secret.txt',
];

for (const target of TRAVERSALS) {
  test(`refused: ${JSON.stringify(target)}`, async (t) => {
    const { port, errors } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }), '/m': staticApp({ root: tree.root + '/docs' }) } });
    for (const prefix of ['', '/m']) {
      const full = target.startsWith('http://') ? target.replace('http://x', 'http://x' + prefix) : prefix + target;
      const r = await exchange(port, `GET ${full} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const res = r.responses[0];
      t.truthy(res, full);
      t.true([400, 403, 404].includes(res!.status), `${full} → ${res!.status}`);
      const text = r.bytes.toString('latin1');
      t.false(text.includes(SECRET), full);
      t.false(text.includes(DOTFILE_SECRET), full);
      t.false(text.includes('root:'), full);
    }
    t.deepEqual(errors, []);
  });
}

test('symlinks that stay inside the root are followed', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  const file = await request(url + '/link-inside.txt');
  t.is(file.statusCode, 200);
  t.is(await file.body.text(), 'Hello, static world!\n');
  const viaDir = await request(url + '/link-dir/guide.txt');
  t.is(viaDir.statusCode, 200);
  t.is(await viaDir.body.text(), 'the guide\n');
});

test('a root that is itself a symlink works, and following a swapped "current" link needs no restart', async (t) => {
  const base = fs.mkdtempSync(path.join(tree.base, 'deploy-'));
  fs.mkdirSync(path.join(base, 'release-1'));
  fs.mkdirSync(path.join(base, 'release-2'));
  fs.writeFileSync(path.join(base, 'release-1', 'version.txt'), 'one\n');
  fs.writeFileSync(path.join(base, 'release-2', 'version.txt'), 'two\n');
  fs.symlinkSync('release-1', path.join(base, 'current'));
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: path.join(base, 'current') }) } });
  t.is(await (await request(url + '/version.txt')).body.text(), 'one\n');
  // Swap atomically, as deploy tools do (rename over the old link).
  fs.symlinkSync('release-2', path.join(base, 'current.new'));
  fs.renameSync(path.join(base, 'current.new'), path.join(base, 'current'));
  const after = await request(url + '/version.txt');
  t.is(after.statusCode, 200);
  t.is(await after.body.text(), 'two\n');
  // The old release is now outside the root: a link into it is refused.
  fs.symlinkSync(path.join(base, 'release-1', 'version.txt'), path.join(base, 'release-2', 'old.txt'));
  t.is((await request(url + '/old.txt')).statusCode, 404);
});

test('a file or directory the server may not read is a 403', async (t) => {
  // Root reads everything, so when the suite runs as root the server runs in a child
  // process without the capabilities that bypass file permissions (still root, so it
  // can load the suite from wherever it was cloned).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-static-perm-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'public.txt'), 'public');
  fs.writeFileSync(path.join(dir, 'private.txt'), 'private');
  fs.chmodSync(path.join(dir, 'public.txt'), 0o644);
  fs.chmodSync(path.join(dir, 'private.txt'), 0o000);
  fs.mkdirSync(path.join(dir, 'locked'));
  fs.writeFileSync(path.join(dir, 'locked', 'inside.txt'), 'inside');
  fs.chmodSync(path.join(dir, 'locked'), 0o000);
  let base: string;
  if (process.getuid?.() === 0) {
    const child = await startChildServer(t, dir, { wrapper: ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] });
    base = `http://127.0.0.1:${child.port}`;
  } else {
    base = (await startServer(t, { mounts: { '/': staticApp({ root: dir }) } })).url;
  }
  t.is((await request(base + '/public.txt')).statusCode, 200);
  t.is((await request(base + '/private.txt')).statusCode, 403);
  t.is((await request(base + '/locked/inside.txt')).statusCode, 403);
});

test('a path through a file ("/hello.txt/x") is a 404', async (t) => {
  const { url } = await startServer(t, { mounts: { '/': staticApp({ root: tree.root }) } });
  t.is((await request(url + '/hello.txt/x')).statusCode, 404);
  t.is((await request(url + '/hello.txt/')).statusCode, 404);
});
