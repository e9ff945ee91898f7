// What a FastCGI exchange reports to the access log, through the real CLI in
// front of a real php-fpm with an nginx log_format template:
// $upstream_response_time (from sending the request to php-fpm to its
// END_REQUEST, as nginx's fastcgi module reports it) and $upstream_addr (the
// address as given), on answers and on PHP's errors; "-" for the static files
// the mount serves itself.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import type { PhpFpm } from '../../../adapters/fastcgi/index.js';
import { needs } from '../../helpers/system-program.js';
import { startCli, stopCli } from '../../helpers/cli.js';
import { PHP_ROOT, startFpm } from './helpers.js';

const { test } = needs('php-fpm');

let fpm: PhpFpm;
test.before(async () => {
  fpm = await startFpm(2);
});
test.after.always(async () => {
  await fpm?.close();
});

test('$upstream_response_time and $upstream_addr are set for php: requests, "-" for static files', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-fcgi-log-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'access.log');
  const template = '"$request" $status $upstream_addr $upstream_response_time $request_time';
  const cli = await startCli(t, ['--port', '0', '--mount', `/=php:${PHP_ROOT}`, '--php-fpm', fpm.address, '--access-log', file, '--log-format', template]);
  const get = async (target: string): Promise<number> => {
    const r = await request(cli.url + target);
    await r.body.text();
    return r.statusCode;
  };
  t.is(await get('/slow.php?ms=300'), 200);
  t.is(await get('/hello.php'), 200);
  t.is(await get('/fatal.php'), 500);
  t.is(await get('/assets/style.css'), 200);
  t.is(await stopCli(cli), 0);

  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  t.is(lines.length, 4, lines.join('\n'));
  t.log(lines.join('\n'));
  const fields = lines.map((l) => /^"GET (\S+) HTTP\/1\.1" (\d{3}) (\S+) (\S+) (\d+\.\d{3})$/.exec(l));
  t.true(fields.every((m) => m !== null), lines.join('\n'));
  const [slow, hello, fatal, css] = fields.map((m) => ({ target: m![1], status: m![2], addr: m![3], upstream: m![4]!, total: Number(m![5]) }));

  for (const php of [slow!, hello!, fatal!]) {
    t.is(php.addr, fpm.address, `${php.target}: the address php-fpm was given as`);
    t.regex(php.upstream, /^\d+\.\d{3}$/, php.target);
    t.true(Number(php.upstream) <= php.total, `${php.target}: the upstream time is part of the request's`);
  }
  t.true(Number(slow!.upstream) >= 0.3, `the script slept 300 ms: ${slow!.upstream}`);
  t.is(fatal!.status, '500');
  t.like(css, { target: '/assets/style.css', status: '200', addr: '-', upstream: '-' });
});
