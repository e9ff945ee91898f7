// A php-fpm that Portico starts never outlives it: processes are counted in
// /proc before and after close(), after SIGTERM to the CLI, and after SIGKILL
// to the CLI (then only the watchdog is left to stop the pool). Also the
// --php-fpm flag and the phpFpm config key, which give php:DIR a running
// php-fpm (nginx's fastcgi_pass) so none is started.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startPhpFpm } from '../../../adapters/fastcgi/index.js';
import { needs } from '../../helpers/system-program.js';
import { runCliToEnd, startCli, type RunningCli } from '../../helpers/cli.js';
import { childrenOf, cmdline, groupMembers, waitFor } from '../cgi/helpers.js';
import { PHP_ROOT, captureLog, startFpm } from './helpers.js';

const { test } = needs('php-fpm');

/** Live processes whose command line mentions `text` (the watchdog names its group and folder). */
const mentioning = (text: string): number[] =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => cmdline(pid).includes(text));

interface Pool {
  pgid: number;
  /** The private folder of the generated pool. */
  dir: string;
  members: number;
  watchdogs: number;
}

/** The php-fpm a CLI started: its master is the CLI's child, in a group of its own with its workers. */
const poolOf = (cliPid: number): Pool | null => {
  const master = childrenOf(cliPid).find((p) => cmdline(p.pid).startsWith('php-fpm: master'));
  if (master === undefined) return null;
  const dir = path.dirname(/\((\/[^)]+)\)/.exec(cmdline(master.pid))![1]!);
  return { pgid: master.pgrp, dir, members: groupMembers(master.pgrp).length, watchdogs: mentioning(`portico-php-fpm-watchdog ${master.pgrp} `).length };
};

const gone = (pool: Pool): boolean => groupMembers(pool.pgid).length === 0 && mentioning(`portico-php-fpm-watchdog ${pool.pgid} `).length === 0 && !fs.existsSync(pool.dir);

const startPhpCli = async (t: import('ava').ExecutionContext, ...extra: string[]): Promise<RunningCli> =>
  startCli(t, ['--port', '0', '--mount', `/=php:${PHP_ROOT}`, ...extra]);

const hello = async (url: string): Promise<string> => {
  const r = await request(`${url}/hello.php`);
  return `${r.statusCode} ${await r.body.text()}`;
};

test('startPhpFpm: close() stops the master, its workers and the watchdog, and removes the folder', async (t) => {
  const fpm = await startPhpFpm({ children: 3, logger: captureLog() });
  const pgid = fpm.pid;
  const dir = path.dirname(fpm.address.slice('unix:'.length));
  t.is(groupMembers(pgid).length, 4, 'the master and 3 workers, in a group of their own');
  t.not(pgid, process.pid);
  t.is(mentioning(`portico-php-fpm-watchdog ${pgid} `).length, 1);
  await fpm.close();
  t.true(await waitFor(() => groupMembers(pgid).length === 0 && mentioning(`portico-php-fpm-watchdog ${pgid} `).length === 0, 5_000));
  t.false(fs.existsSync(dir));
});

test('the CLI stopped with SIGTERM stops the php-fpm it started for php:DIR', async (t) => {
  const cli = await startPhpCli(t, '--php-fpm', 'start');
  t.regex(await hello(cli.url), /^200 Hello, world!/);
  const pool = poolOf(cli.child.pid!)!;
  t.truthy(pool);
  t.is(pool.members, 5, 'the master and the 4 workers of the default pool');
  t.is(pool.watchdogs, 1);
  cli.child.kill('SIGTERM');
  t.is(await cli.exited, 0);
  t.true(await waitFor(() => gone(pool), 10_000), `left: ${JSON.stringify(groupMembers(pool.pgid))}`);
});

test('the CLI killed with SIGKILL leaves no php-fpm: the watchdog stops the group and removes the folder', async (t) => {
  const cli = await startPhpCli(t, '--php-fpm', 'start');
  t.regex(await hello(cli.url), /^200 /);
  const pool = poolOf(cli.child.pid!)!;
  t.is(pool.members, 5);
  t.is(pool.watchdogs, 1);
  cli.child.kill('SIGKILL');
  await cli.exited;
  // The watchdog sends SIGTERM at once and SIGKILL 2 s later.
  t.true(await waitFor(() => gone(pool), 10_000), `left: ${JSON.stringify(groupMembers(pool.pgid))}`);
});

test('--php-fpm ADDRESS and the phpFpm config key use that php-fpm and start none', async (t) => {
  const fpm = await startFpm(2);
  t.teardown(() => fpm.close());
  const flag = await startPhpCli(t, '--php-fpm', fpm.address);
  t.regex(await hello(flag.url), /^200 Hello, world!/);
  t.is(poolOf(flag.child.pid!), null, 'no php-fpm of its own');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-php-config-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'portico.json');
  fs.writeFileSync(config, JSON.stringify({ port: 0, mounts: { '/': { app: `php:${PHP_ROOT}`, phpFpm: fpm.address } } }));
  const keyed = await startCli(t, ['--config', config]);
  t.regex(await hello(keyed.url), /^200 Hello, world!/);
  t.is(poolOf(keyed.child.pid!), null);
});

test('--php-fpm with something that is no address, or without a php: mount, is one line and exit status 2', async (t) => {
  const r = await runCliToEnd(['--port', '0', '--mount', `/=php:${PHP_ROOT}`, '--php-fpm', 'php-fpm.sock']);
  t.is(r.status, 2);
  t.deepEqual(r.stderr, ['portico: --php-fpm must be a php-fpm address ("unix:/path" or "host:port") or "start", got "php-fpm.sock"']);
  const noPhp = await runCliToEnd(['--port', '0', '--mount', `/=static:${PHP_ROOT}`, '--php-fpm', 'start']);
  t.is(noPhp.status, 2);
  t.deepEqual(noPhp.stderr, ['portico: --php-fpm applies to php: mounts, and none is mounted']);
});
