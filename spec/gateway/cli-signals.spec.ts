// Graceful shutdown of the CLI: SIGTERM (or SIGINT) while requests are in
// flight lets every one of them complete, refuses new connections, and the
// process exits 0.
import test from 'ava';
import net from 'node:net';
import path from 'node:path';
import { request } from 'undici';
import { REPO, startCli } from '../helpers/cli.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during in-flight requests loses none of them and exits 0`, async (t) => {
    const cli = await startCli(t, ['--port', '0', `${FIX}/slow.mjs`]);
    // Each request is answered in two parts, 1.5 s apart; start them all, then signal.
    const pending = Array.from({ length: 8 }, (_, i) => request(`${cli.url}/r${i}?ms=1500`).then(async (res) => ({ status: res.statusCode, body: await res.body.text() })));
    // Wait until every request has its first part (the app is running them all).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const probe = await request(`${cli.url}/probe?ms=0`);
    t.is(probe.statusCode, 200);
    await probe.body.text();
    cli.child.kill(signal);
    await cli.waitFor(new RegExp(`${signal}: draining`));
    const results = await Promise.all(pending);
    t.deepEqual(results, Array.from({ length: 8 }, (_, i) => ({ status: 200, body: `started done /r${i}` })));
    t.is(await cli.exited, 0);
    // And the port no longer takes connections.
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(cli.port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(false)));
      s.on('error', () => resolve(true));
    });
    t.true(refused);
  });
}

test('an idle CLI exits 0 on SIGTERM promptly', async (t) => {
  const cli = await startCli(t, ['--port', '0', `${FIX}/native.mjs`]);
  const res = await request(cli.url + '/');
  t.is(await res.body.text(), `native |/|${cli.child.pid}`);
  const started = Date.now();
  cli.child.kill('SIGTERM');
  t.is(await cli.exited, 0);
  t.true(Date.now() - started < 8_000);
});

test('a second signal stops waiting for the drain and exits 1', async (t) => {
  const cli = await startCli(t, ['--port', '0', `${FIX}/slow.mjs`]);
  const pending = request(`${cli.url}/long?ms=20000`)
    .then((r) => r.body.text())
    .catch(() => 'cut');
  await new Promise((resolve) => setTimeout(resolve, 300));
  cli.child.kill('SIGINT');
  await cli.waitFor(/SIGINT: draining 1 connection$/);
  cli.child.kill('SIGINT');
  t.is(await cli.exited, 1);
  t.is(await pending, 'cut');
});
