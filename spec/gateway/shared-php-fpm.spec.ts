// php:DIR under --workers, through the real CLI and a real php-fpm: the primary
// starts one php-fpm for all the workers (never one per worker), both workers
// answer PHP through it, a rolling reload keeps it, a reload that drops the
// mount stops it, and none is left after SIGTERM or a SIGKILL of the primary.
// Processes are read from /proc, among the CLI's descendants only (other
// php-fpms may run on the machine).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'undici';
import { needs } from '../helpers/system-program.js';
import { REPO, startCli, type RunningCli } from '../helpers/cli.js';
import { alive, childrenOf, cmdline, groupMembers, waitFor } from '../adapters/cgi/helpers.js';
import { PHP_ROOT } from '../adapters/fastcgi/helpers.js';

const { test } = needs('php-fpm');

const NATIVE = path.join(REPO, 'spec/gateway/cli-fixtures/native.mjs');

const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c.pid, ...descendants(c.pid)]);

/** php-fpm masters started by the CLI `pid`, by itself or by any of its workers. */
const mastersUnder = (pid: number): number[] => descendants(pid).filter((p) => cmdline(p).startsWith('php-fpm: master'));

const watchdogsOf = (pgid: number): number => descendants(process.pid).filter((p) => cmdline(p).includes(`portico-php-fpm-watchdog ${pgid} `)).length;

/** On one new connection (so one worker): that worker's pid, from the /pid mount, then hello.php's answer. */
const pidAndPhp = async (url: string): Promise<[number, string]> => {
  const client = new Client(url, { headersTimeout: 20_000, bodyTimeout: 20_000 });
  try {
    const who = await client.request({ path: '/pid/', method: 'GET' });
    const pid = Number((await who.body.text()).split('|')[2]);
    const php = await client.request({ path: '/hello.php', method: 'GET' });
    return [pid, `${php.statusCode} ${await php.body.text()}`];
  } finally {
    await client.close();
  }
};

/** Fresh connections until `want` workers have answered PHP (bounded); the pids seen. */
const phpFromWorkers = async (url: string, want: number): Promise<Set<number>> => {
  const pids = new Set<number>();
  for (let i = 0; i < 60 && pids.size < want; i++) {
    const [pid, php] = await pidAndPhp(url);
    if (php !== '200 Hello, world!\n') throw new Error(`worker ${pid} answered hello.php with ${JSON.stringify(php)}`);
    pids.add(pid);
  }
  return pids;
};

const startWorkers = (t: import('ava').ExecutionContext, ...extra: string[]): Promise<RunningCli> =>
  startCli(t, ['--workers', '2', '--port', '0', '--mount', `/=php:${PHP_ROOT}`, '--mount', `/pid=${NATIVE}`, '--php-fpm', 'start', ...extra]);

/** The one php-fpm the primary started: its master is the primary's child and leads a group with 4 children per worker. */
const theOnePool = (t: import('ava').ExecutionContext, cli: RunningCli): number => {
  const masters = mastersUnder(cli.child.pid!);
  if (masters.length !== 1) {
    const tree = descendants(cli.child.pid!).map((p) => `${p} ${cmdline(p)}`);
    throw new Error(`${masters.length} php-fpm masters under the CLI; its processes: ${tree.join('; ')}; stderr: ${cli.stderr.join(' | ')}`);
  }
  const master = masters[0]!;
  t.true(childrenOf(cli.child.pid!).some((c) => c.pid === master), "the master is the primary's child, not a worker's");
  t.is(groupMembers(master).length, 1 + 2 * 4, 'the master and 4 children per worker');
  t.is(watchdogsOf(master), 1);
  return master;
};

test('--workers 2 with php:DIR: one php-fpm for the server, PHP answered by both workers, none left after SIGTERM', async (t) => {
  const cli = await startWorkers(t);
  const workers = await phpFromWorkers(cli.url, 2);
  t.is(workers.size, 2, 'both workers answer PHP');
  const master = theOnePool(t, cli);
  const dir = path.dirname(/\((\/[^)]+)\)/.exec(cmdline(master))![1]!);
  cli.child.kill('SIGTERM');
  t.is(await cli.exited, 0);
  t.true(await waitFor(() => groupMembers(master).length === 0 && watchdogsOf(master) === 0 && !fs.existsSync(dir), 10_000), `left: ${JSON.stringify(groupMembers(master))}`);
  t.false([...workers].some(alive));
});

test('--workers 2 with php:DIR: a SIGKILLed primary leaves no php-fpm and no worker', async (t) => {
  const cli = await startWorkers(t);
  const workers = await phpFromWorkers(cli.url, 2);
  const master = theOnePool(t, cli);
  cli.child.kill('SIGKILL');
  await cli.exited;
  // The watchdog sees the primary's pipe close: SIGTERM to the group at once, SIGKILL 2 s later.
  t.true(await waitFor(() => groupMembers(master).length === 0 && watchdogsOf(master) === 0, 10_000), `left: ${JSON.stringify(groupMembers(master))}`);
  // The workers see their primary gone (the IPC channel closes) and leave.
  t.true(await waitFor(() => ![...workers].some(alive), 10_000));
});

test('--workers 2: a rolling reload keeps the php-fpm; one that drops the php: mount stops it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-shared-fpm-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'portico.json');
  const write = (mounts: Record<string, unknown>): void => fs.writeFileSync(config, JSON.stringify({ port: 0, workers: 2, mounts }));
  write({ '/': { app: `php:${PHP_ROOT}`, phpFpm: 'start' }, '/pid': NATIVE });
  const cli = await startCli(t, ['--config', config]);
  const before = await phpFromWorkers(cli.url, 2);
  const master = theOnePool(t, cli);

  const reloads = (): number => cli.stderr.filter((l) => /SIGHUP: 2 new workers listening; 2 old draining/.test(l)).length;
  cli.child.kill('SIGHUP');
  t.true(await waitFor(() => reloads() === 1, 30_000), cli.stderr.join('\n'));
  t.true(await waitFor(() => ![...before].some(alive), 15_000), 'the old workers leave');
  const after = await phpFromWorkers(cli.url, 2);
  t.is(after.size, 2);
  t.false([...after].some((p) => before.has(p)), 'new workers answer');
  t.deepEqual(mastersUnder(cli.child.pid!), [master], 'the same php-fpm serves the new workers');

  // The mount is dropped: once the workers that used the pool are gone, so is the pool.
  write({ '/pid': NATIVE });
  cli.child.kill('SIGHUP');
  t.true(await waitFor(() => reloads() === 2, 30_000), cli.stderr.join('\n'));
  t.true(await waitFor(() => groupMembers(master).length === 0 && watchdogsOf(master) === 0, 15_000), `left: ${JSON.stringify(groupMembers(master))}`);
  t.deepEqual(mastersUnder(cli.child.pid!), []);
  const client = new Client(cli.url);
  t.teardown(() => client.close());
  t.is((await client.request({ path: '/pid/', method: 'GET' })).statusCode, 200);
});

test('--workers 2: the workers a rolling reload retires give their php-fpm children back at once', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-shared-fpm-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'portico.json');
  // Idle client connections keep the old workers draining for 30 s, well past the test.
  const settings = { port: 0, workers: 2, timeouts: { keepAliveMs: 30_000 }, mounts: { '/': { app: `php:${PHP_ROOT}`, phpFpm: 'start' }, '/pid': NATIVE } };
  fs.writeFileSync(config, JSON.stringify(settings));
  const cli = await startCli(t, ['--config', config]);
  // Four client connections on each worker, each running a script at the same time: every worker
  // then keeps its 4 FastCGI connections, which hold all 8 children of the pool.
  const byWorker = new Map<number, Client[]>();
  for (let i = 0; i < 80 && [...byWorker.values()].filter((c) => c.length >= 4).length < 2; i++) {
    const client = new Client(cli.url, { keepAliveTimeout: 60_000 });
    t.teardown(() => client.destroy());
    const pid = Number((await (await client.request({ path: '/pid/', method: 'GET' })).body.text()).split('|')[2]);
    const list = byWorker.get(pid) ?? [];
    if (list.length < 4) byWorker.set(pid, [...list, client]);
  }
  const clients = [...byWorker.values()].flatMap((c) => c.slice(0, 4));
  t.is(clients.length, 8, 'four connections on each worker');
  const answers = await Promise.all(clients.map(async (c) => (await c.request({ path: '/slow.php?ms=300', method: 'GET' })).body.text()));
  t.deepEqual(answers, Array(8).fill('slept\n'));

  cli.child.kill('SIGHUP');
  await cli.waitFor(/SIGHUP: 2 new workers listening; 2 old draining/, 30_000);
  t.true([...byWorker.keys()].every(alive), 'the old workers still drain (their idle client connections linger)');
  // Kept, the old workers' connections would hold every child for their 10 s idle time.
  const started = performance.now();
  const client = new Client(cli.url);
  t.teardown(() => client.close());
  const r = await client.request({ path: '/hello.php', method: 'GET', headersTimeout: 30_000 });
  t.is(`${r.statusCode} ${await r.body.text()}`, '200 Hello, world!\n');
  const ms = performance.now() - started;
  t.true(ms < 5_000, `answered in ${Math.round(ms)} ms`);
});
