// A program flooding 1 GiB of output to a client that reads slowly: the
// program's stdout is paused with the client, so the server's memory stays
// bounded (the server runs in a child process, its RSS read from /proc). The
// client then leaves, and the program's process group must be gone.

import test from 'ava';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { childrenOf, rssOf, sleep, waitFor } from './helpers.js';

const MiB = 1024 * 1024;

test('1 GiB of output to a slow client: bounded server memory, and nothing left when the client goes', async (t) => {
  t.timeout(60_000);
  const server = spawn(process.execPath, [new URL('./flood-server.js', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  const ready = once(createInterface({ input: server.stdout }), 'line') as Promise<[string]>;
  const [line] = await Promise.race([ready, sleep(30_000).then(() => ['{"port":0}'] as [string])]);
  const { port } = JSON.parse(line) as { port: number };
  if (port === 0) return t.fail('the server did not start');
  const serverPid = server.pid!;

  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /cgi/flood.sh HTTP/1.1\r\nHost: x\r\n\r\n');
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    socket.pause(); // read a little, then stall: a slow client
  });
  await waitFor(() => received > 0, 20_000);
  const program = await (async () => {
    let found: number | undefined;
    await waitFor(() => (found = childrenOf(serverPid).find((p) => p.comm === 'head' || p.comm === 'flood.sh')?.pid) !== undefined, 10_000);
    return found;
  })();
  t.truthy(program, 'the flood program runs');
  const baseline = rssOf(serverPid);
  let peak = baseline;
  // Read slowly for a few seconds: 64 KiB every 200 ms.
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    socket.resume();
    await sleep(200);
    peak = Math.max(peak, rssOf(serverPid));
  }
  t.log(`received ${(received / MiB).toFixed(1)} MiB; server RSS ${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB`);
  t.true(received < 512 * MiB, 'the client, not the program, set the pace');
  t.true(peak - baseline < 48 * MiB, `server memory grew by ${((peak - baseline) / MiB).toFixed(1)} MiB`);

  // The client leaves (a reset, as when it dies): the program and its group must go.
  socket.resetAndDestroy();
  t.true(await waitFor(() => childrenOf(serverPid).length === 0, 15_000), 'no child process left in the server');
  server.kill('SIGTERM');
  await Promise.race([once(server, 'exit'), sleep(15_000)]);
});
