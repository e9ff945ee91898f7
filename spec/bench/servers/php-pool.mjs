// The php-fpm pool both FastCGI rows use: startPhpFpm's generated static pool
// of 4 workers serving spec/bench/php/, moved off the server's core (to
// BENCH_FPM_CPU, default 1, beside the load generator) so that Portico and nginx
// each have core 0 to themselves and the same php-fpm behind them.
import { spawnSync } from 'node:child_process';
import { importOrUnavailable, unavailable } from './common.mjs';

export const PHP_ROOT = new URL('../php/', import.meta.url).pathname.replace(/\/$/, '');

export const startPool = async () => {
  const startPhpFpm = await importOrUnavailable('portico/fastcgi', 'startPhpFpm');
  let fpm;
  try {
    fpm = await startPhpFpm({ children: 4, logger: { error() {} } });
  } catch (err) {
    unavailable(err.message);
  }
  const cpu = process.env.BENCH_FPM_CPU ?? '1';
  spawnSync('taskset', ['-a', '-p', '-c', cpu, String(fpm.pid)], { stdio: 'ignore' });
  // The workers are forked already: re-pin each of them too.
  const children = spawnSync('pgrep', ['-P', String(fpm.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const pid of children) spawnSync('taskset', ['-p', '-c', cpu, pid], { stdio: 'ignore' });
  process.on('exit', () => void fpm.close());
  return fpm;
};
