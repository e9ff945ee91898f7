// gateway/signals.ts in a real child process: each signal runs its hook, the
// second stop signal runs stopNow, a hook left out keeps Node's behaviour, and
// a second install in one process is refused.
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIGNALS = fileURLToPath(new URL('../../gateway/signals.js', import.meta.url));

const child = (hooks: string) => {
  const script = `
    import { installSignals } from ${JSON.stringify(SIGNALS)};
    const say = (s) => process.stdout.write(s + '\\n');
    installSignals({ stop: (s) => say('stop ' + s), stopNow: (s) => { say('now ' + s); process.exit(7); }, ${hooks} });
    try { installSignals({ stop() {}, stopNow() {} }); } catch (e) { say('second: ' + e.message); }
    setInterval(() => {}, 1000);
    say('ready');`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<() => void> = [];
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const lines = (): string[] => out.split('\n').filter(Boolean);
  const waitLines = async (n: number): Promise<string[]> => {
    const deadline = Date.now() + 10_000;
    while (lines().length < n && Date.now() < deadline) await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 200)));
    return lines();
  };
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { p, waitLines, exited };
};

test('each signal runs its hook; the second stop signal runs stopNow', async (t) => {
  const c = child(`reload: () => say('reload'), reopenLogs: () => say('reopen')`);
  t.teardown(() => void c.p.kill('SIGKILL'));
  t.deepEqual(await c.waitLines(2), ['second: signal handlers are already installed in this process', 'ready']);
  c.p.kill('SIGHUP');
  await c.waitLines(3);
  c.p.kill('SIGUSR1');
  await c.waitLines(4);
  c.p.kill('SIGTERM');
  await c.waitLines(5);
  c.p.kill('SIGINT');
  t.is(await c.exited, 7);
  t.deepEqual((await c.waitLines(6)).slice(2), ['reload', 'reopen', 'stop SIGTERM', 'now SIGINT']);
});

test('without a reload hook, SIGHUP keeps its default action (the process ends)', async (t) => {
  const c = child('');
  t.teardown(() => void c.p.kill('SIGKILL'));
  await c.waitLines(2);
  c.p.kill('SIGHUP');
  t.is(await c.exited, null); // killed by the signal, no hook ran
});
