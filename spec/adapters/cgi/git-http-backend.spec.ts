// git-http-backend, Debian's, unmodified, behind Portico: `git clone`, then a
// `git push` of several MiB of incompressible data (sent chunked: a small
// http.postBuffer makes git stream the pack), then a second clone that must
// see the pushed commit byte for byte. The process tree git-http-backend
// starts (upload-pack, receive-pack, index-pack) must be gone afterwards.

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cgiApp } from '../../../adapters/cgi/index.js';
import type { App } from '../../../adapters/env.js';
import { startServer } from '../../helpers/server.js';
import { captureLog, noChildrenLeft } from './helpers.js';
import { needs } from '../../helpers/system-program.js';

const run = promisify(execFile);
const { test, paths } = needs('git', 'git-http-backend');
const BACKEND = paths['git-http-backend']!;

test('git clone, push of a multi-MiB chunked pack, and a second clone through Portico', async (t) => {
  t.timeout(90_000);
  const base = mkdtempSync(join(tmpdir(), 'portico-cgi-git-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  mkdirSync(home);
  const gitEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Portico Test',
    GIT_AUTHOR_EMAIL: 'test@portico.invalid',
    GIT_COMMITTER_NAME: 'Portico Test',
    GIT_COMMITTER_EMAIL: 'test@portico.invalid',
  };
  const git = (cwd: string, ...args: string[]) => run(paths.git!, args, { cwd, env: gitEnv, maxBuffer: 16 * 1024 * 1024 });

  // The served bare repository, seeded with one commit.
  const projects = join(base, 'projects');
  mkdirSync(projects);
  await git(projects, 'init', '--bare', '-q', '-b', 'main', 'repo.git');
  await git(join(projects, 'repo.git'), 'config', 'http.receivepack', 'true');
  const seed = join(base, 'seed');
  await git(base, 'init', '-q', '-b', 'main', seed);
  writeFileSync(join(seed, 'README'), 'seeded\n');
  await git(seed, 'add', 'README');
  await git(seed, 'commit', '-q', '-m', 'seed');
  await git(seed, 'push', '-q', join(projects, 'repo.git'), 'main');

  // Portico with git-http-backend; the wrapper records how each request body arrived.
  const log = captureLog();
  const backend = cgiApp({ script: BACKEND, env: { GIT_PROJECT_ROOT: projects, GIT_HTTP_EXPORT_ALL: '1' }, logger: log });
  const seen: Array<{ method: string; path: string; length: number }> = [];
  const recorder: App = (env, res) => {
    seen.push({ method: env.method, path: env.pathInfo, length: env.body.length });
    return backend(env, res);
  };
  const { url, errors } = await startServer(t, { mounts: { '/git': recorder } });
  const remote = `${url}/git/repo.git`;

  // Clone, commit 6 MiB of random data, push it with a small postBuffer (chunked).
  const first = join(base, 'first');
  await git(base, 'clone', '-q', remote, first);
  t.is(readFileSync(join(first, 'README'), 'utf8'), 'seeded\n');
  const blob = randomBytes(6 * 1024 * 1024);
  writeFileSync(join(first, 'random.bin'), blob);
  await git(first, 'add', 'random.bin');
  await git(first, 'commit', '-q', '-m', 'six MiB of noise');
  const pushed = (await git(first, 'rev-parse', 'HEAD')).stdout.trim();
  await git(first, '-c', 'http.postBuffer=65536', 'push', '-q', 'origin', 'main');

  const receive = seen.filter((s) => s.method === 'POST' && s.path.endsWith('/git-receive-pack'));
  t.true(receive.some((s) => s.length === -1), 'the push body came chunked');

  // A second clone sees the pushed commit and its content.
  const second = join(base, 'second');
  await git(base, 'clone', '-q', remote, second);
  t.is((await git(second, 'rev-parse', 'HEAD')).stdout.trim(), pushed);
  t.is((await git(second, 'log', '--format=%s', '-1')).stdout.trim(), 'six MiB of noise');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  t.is(sha(readFileSync(join(second, 'random.bin'))), sha(blob));
  t.is((await git(join(projects, 'repo.git'), 'rev-parse', 'main')).stdout.trim(), pushed, 'the bare repository has it');

  t.deepEqual(errors, []);
  t.deepEqual(log.lines.filter((l) => l.message !== 'stderr'), [], 'no failure logged');
  t.deepEqual(await noChildrenLeft(15_000), [], 'no child process left');
});
