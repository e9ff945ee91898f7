// A real php-fpm failing and a client falling behind: php-fpm stopped gives
// 502 with a log line naming the address, a script slower than readTimeoutMs
// gives 504, and 100 MiB of output to a slow reader keeps the server's memory
// bounded (the client's pace reaches php-fpm through the paused socket).

import net from 'node:net';
import { request } from 'undici';
import { needs } from '../../helpers/system-program.js';
import { startFpm, startPhpServer } from './helpers.js';

const { test } = needs('php-fpm');

test('php-fpm stopped gives 502 and a clear log line', async (t) => {
  const fpm = await startFpm(2);
  const { url, log } = await startPhpServer(t, fpm);
  const ok = await request(`${url}/hello.php`);
  t.is(await ok.body.text(), 'Hello, world!\n');
  await fpm.close();
  const r = await request(`${url}/hello.php`);
  await r.body.dump();
  t.is(r.statusCode, 502);
  const line = log.lines.find((l) => l.fields['code'] === 'ERR_FCGI_CONNECT');
  t.truthy(line, log.text());
  t.is(line!.fields['address'], fpm.address);
});

test('a script slower than readTimeoutMs gives 504', async (t) => {
  const fpm = await startFpm(2);
  t.teardown(() => fpm.close());
  const { url, log } = await startPhpServer(t, fpm, { readTimeoutMs: 300 });
  const r = await request(`${url}/slow.php?ms=1500`);
  await r.body.dump();
  t.is(r.statusCode, 504);
  t.true(log.lines.some((l) => l.fields['code'] === 'ERR_FCGI_TIMEOUT'), log.text());
  const quick = await request(`${url}/slow.php?ms=10`);
  t.is(await quick.body.text(), 'slept\n');
});

test('100 MiB to a slow reader: every byte arrives and the server memory stays bounded', async (t) => {
  const fpm = await startFpm(2);
  t.teardown(() => fpm.close());
  const { port } = await startPhpServer(t, fpm);
  // Live buffer memory (arrayBuffers after a collection when --expose-gc is on), so garbage the
  // collector has not reached yet is not mistaken for bytes held back.
  const live = (): number => {
    global.gc?.();
    return process.memoryUsage().arrayBuffers;
  };
  const base = live();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, live())), 50);
  t.teardown(() => clearInterval(sampler));
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /big.php?mib=100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  let bytes = 0;
  let sinceBreak = 0;
  socket.on('data', (d) => {
    bytes += d.length;
    sinceBreak += d.length;
    // A slow client: a 15 ms break after every 2 MiB.
    if (sinceBreak >= 2 * 1024 * 1024) {
      sinceBreak = 0;
      socket.pause();
      setTimeout(() => socket.resume(), 15);
    }
  });
  await new Promise((r) => socket.on('close', r));
  clearInterval(sampler);
  t.true(bytes > 100 * 1024 * 1024, String(bytes));
  const grownMiB = (peak - base) / 1024 / 1024;
  t.log(`live buffers grew by ${grownMiB.toFixed(1)} MiB while sending 100 MiB`);
  // Unbounded, the 100 MiB would be held; without --expose-gc uncollected garbage counts too, so the bound is looser.
  t.true(grownMiB < (global.gc ? 32 : 64), `${grownMiB} MiB`);
});
