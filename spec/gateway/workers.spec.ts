// --workers N: N processes share the port through node:cluster; a worker that
// dies is replaced while the others keep serving; SIGTERM to the primary drains
// every worker and exits 0.
import test from 'ava';
import path from 'node:path';
import { request } from 'undici';
import { REPO, startCli, stopCli } from '../helpers/cli.js';
import { alive } from '../adapters/cgi/helpers.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

/** The pid of the worker that answered (a fresh connection each time, so the primary picks again). */
const workerPid = async (url: string): Promise<number> => {
  const res = await request(url + '/', { reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return Number((await res.body.text()).split('|')[2]);
};

const collectPids = async (url: string, want: number, tries = 60): Promise<Set<number>> => {
  const pids = new Set<number>();
  for (let i = 0; i < tries && pids.size < want; i++) pids.add(await workerPid(url));
  return pids;
};

test('--workers 2 serves from two processes and survives a killed worker', async (t) => {
  const cli = await startCli(t, ['-w', '2', '--port', '0', `${FIX}/native.mjs`]);
  t.regex(cli.stdout[0]!, /listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers, primary pid \d+\)/);
  const pids = await collectPids(cli.url, 2);
  t.is(pids.size, 2, 'both workers answer');
  t.false(pids.has(cli.child.pid!), 'the primary serves nothing itself');

  const [victim, survivor] = [...pids] as [number, number];
  process.kill(victim, 'SIGKILL');
  // Requests keep succeeding while the replacement starts.
  const answers: number[] = [];
  for (let i = 0; i < 20; i++) answers.push(await workerPid(cli.url));
  t.false(answers.includes(victim));
  t.true(answers.every((pid) => alive(pid)));
  await cli.waitFor(new RegExp(`worker ${victim} was killed \\(SIGKILL\\); starting another`));
  // A replacement appears and serves.
  const after = await collectPids(cli.url, 2, 200);
  t.is(after.size, 2, `pids seen: ${[...after].join(', ')}`);
  t.true(after.has(survivor));
  const replacement = [...after].find((p) => p !== survivor)!;
  t.not(replacement, victim);

  cli.child.kill('SIGTERM');
  t.is(await cli.exited, 0);
  for (let i = 0; i < 50 && (alive(survivor) || alive(replacement)); i++) await new Promise((r) => setTimeout(r, 50));
  t.false(alive(survivor));
  t.false(alive(replacement));
});

test('--workers 2: SIGTERM to the primary drains in-flight requests in every worker, then exit 0', async (t) => {
  const cli = await startCli(t, ['--workers', '2', '--port', '0', `${FIX}/slow.mjs`]);
  const pending = Array.from({ length: 6 }, (_, i) =>
    request(`${cli.url}/r${i}?ms=1500`, { reset: true }).then(async (res) => ({ status: res.statusCode, body: await res.body.text() })),
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  cli.child.kill('SIGTERM');
  await cli.waitFor(/SIGTERM: draining 2 workers/);
  const results = await Promise.all(pending);
  t.deepEqual(results, Array.from({ length: 6 }, (_, i) => ({ status: 200, body: `started done /r${i}` })));
  t.is(await cli.exited, 0);
});

test('a worker stopped with SIGTERM on its own is replaced too (recycling a worker)', async (t) => {
  const cli = await startCli(t, ['--workers', '2', '--port', '0', `${FIX}/native.mjs`]);
  const pids = await collectPids(cli.url, 2);
  const [recycled] = [...pids] as [number];
  process.kill(recycled, 'SIGTERM');
  await cli.waitFor(new RegExp(`worker ${recycled} exited \\(status 0\\); starting another`));
  const after = await collectPids(cli.url, 2, 200);
  t.is(after.size, 2);
  t.false(after.has(recycled));
});

test('--workers 2 --access-log FILE: every worker appends whole lines; SIGUSR1 reaches them all', async (t) => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-workers-log-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'access.log');
  const cli = await startCli(t, ['--workers', '2', '--port', '0', '--access-log', file, '--log-format', 'json', `${FIX}/native.mjs`]);
  const pids = new Set<number>();
  for (let i = 0; i < 40; i++) pids.add(await workerPid(cli.url));
  const read = (p: string): Array<{ target: string; status: number }> =>
    fs.existsSync(p) ? fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  for (let i = 0; i < 100 && read(file).length < 40; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(read(file).length, 40);
  t.true(read(file).every((e) => e.status === 200 && e.target === '/'));
  // Rotate: both workers must reopen, so after enough requests both write to the new file.
  fs.renameSync(file, file + '.1');
  cli.child.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 40; i++) await workerPid(cli.url);
  t.is(await stopCli(cli), 0);
  t.is(read(file).length, 40, 'every request after the rotation is in the new file');
  t.is(read(file + '.1').length, 40);
  t.true(pids.size === 2);
});

test('--workers: a second SIGTERM stops waiting for the drain and exits 1', async (t) => {
  const cli = await startCli(t, ['--workers', '2', '--port', '0', `${FIX}/slow.mjs`]);
  const pending = request(`${cli.url}/long?ms=20000`, { reset: true })
    .then((r) => r.body.text())
    .catch(() => 'cut');
  await new Promise((resolve) => setTimeout(resolve, 400));
  const started = Date.now();
  cli.child.kill('SIGTERM');
  await cli.waitFor(/SIGTERM: draining/);
  cli.child.kill('SIGTERM');
  t.is(await cli.exited, 1);
  t.true(Date.now() - started < 15_000);
  // The forced exit cut the slow response short.
  t.is(await pending, 'cut');
});

test('--workers 2 --status: each worker shows its own counters and the cluster sums', async (t) => {
  const cli = await startCli(t, ['--workers', '2', '--port', '0', '--status', '/_status', `${FIX}/native.mjs`]);
  for (let i = 0; i < 20; i++) await workerPid(cli.url);
  type S = { pid: number; worker: number; requests: { total: number }; cluster?: { workers: number; requests: { total: number; '2xx': number }; bytesOut: number } };
  let s: S | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await request(cli.url + '/_status', { reset: true });
    s = (await res.body.json()) as S;
    if (s.cluster !== undefined && s.cluster.workers === 2 && s.cluster.requests.total >= 20) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.truthy(s!.cluster, JSON.stringify(s));
  t.is(s!.cluster!.workers, 2);
  t.true(s!.worker >= 1);
  t.not(s!.pid, cli.child.pid);
  // The 20 app requests (and some status requests) over both workers; one worker saw only its share.
  t.true(s!.cluster!.requests.total >= 20);
  t.true(s!.cluster!.requests['2xx'] >= 20);
  t.true(s!.cluster!.requests.total >= s!.requests.total);
  t.true(s!.cluster!.bytesOut > 0);
});
