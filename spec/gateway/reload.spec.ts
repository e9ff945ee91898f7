// SIGHUP reloads through the real CLI, under load: several undici keep-alive
// connections send a bounded number of requests while the app's files and the
// config file change and the process is sent SIGHUP, several times. Every
// request must be answered 200 by one generation or another, and once a reload
// is done new connections get the new one. A config that does not load is
// refused with one line in the error log while the old one keeps serving. The
// same with --workers 2 (a rolling restart), where a successor that crashes
// while starting refuses the reload without losing a request. Each load test
// logs its numbers (requests sent, answered, failed).
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Pool, request } from 'undici';
import { startCli, type RunningCli } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-reload-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The app answers what its own import says, after a short wait so requests overlap the reloads.
const APP = `import { message } from './message.mjs';
export const porticoKind = 'native';
export default async () => {
  await new Promise((r) => setTimeout(r, 2));
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: message };
};
`;

interface Site {
  dir: string;
  config: string;
  /** Makes the app answer `message` after the next reload (its imported module changes). */
  say(message: string): void;
  /** Writes the config file. */
  configure(options: Record<string, unknown>): void;
}

let sites = 0;
const site = (): Site => {
  const dir = path.join(tmp, String(sites++));
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'app.mjs'), APP);
  const config = path.join(dir, 'portico.json');
  const say = (message: string): void => fs.writeFileSync(path.join(dir, 'message.mjs'), `export const message = ${JSON.stringify(message)};\n`);
  const configure = (options: Record<string, unknown>): void => fs.writeFileSync(config, JSON.stringify({ mounts: { '/': './app.mjs' }, shutdownTimeoutMs: 5000, ...options }));
  say('A');
  configure({});
  return { dir, config, say, configure };
};

interface LoadResult {
  sent: number;
  answers: string[];
  failures: string[];
}

/**
 * GETs over `connections` keep-alive connections, one at a time each: at least
 * `total` of them, and until every reload is done and 200 more were sent after
 * it (so every old connection has moved over), at most 4 × total. Reload i
 * starts once the previous one is done and (i + 1) / (n + 1) of `total` are answered.
 */
const load = async (url: string, total: number, connections: number, reloads: Array<() => Promise<void>>): Promise<LoadResult> => {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const answers: string[] = [];
  const failures: string[] = [];
  let sent = 0;
  let next = 0;
  let running: Promise<void> | null = null;
  let reloadError: unknown = null;
  let doneAt = -1;
  const reloadsDone = (): boolean => {
    if (next < reloads.length || running !== null) return false;
    if (doneAt < 0) doneAt = sent;
    return sent >= doneAt + 200;
  };
  const maybeReload = (): void => {
    if (running !== null || next === reloads.length) return;
    if (answers.length + failures.length < ((next + 1) * total) / (reloads.length + 1)) return;
    running = reloads[next++]!().then(
      () => void (running = null),
      (err: unknown) => void ((reloadError = err), (running = null)),
    );
  };
  const client = async (): Promise<void> => {
    while ((sent < total || !reloadsDone()) && sent < total * 4 && reloadError === null) {
      sent++;
      maybeReload();
      try {
        const r = await pool.request({ path: '/', method: 'GET' });
        const body = await r.body.text();
        if (r.statusCode === 200) answers.push(body);
        else failures.push(`${r.statusCode} ${body}`);
      } catch (err) {
        failures.push(String((err as Error).message));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  await pool.close();
  if (reloadError !== null) throw reloadError;
  if (next < reloads.length || running !== null) throw new Error(`reload ${next} of ${reloads.length} did not finish within ${sent} requests`);
  return { sent, answers, failures };
};

/** A GET on a new connection. */
const fresh = async (url: string): Promise<string> => (await request(url, { reset: true })).body.text();

/** The numbers of one load run, for the report: requests sent, answered, failed. */
const report = (t: ExecutionContext, what: string, r: LoadResult): void => {
  t.log(`${what}: ${r.sent} requests sent, ${r.answers.length} answered 200, ${r.failures.length} failed`);
};

const reloadTo = (cli: RunningCli, s: Site, message: string, done: RegExp) => async (): Promise<void> => {
  const seen = cli.stderr.length + cli.stdout.length;
  s.say(message);
  cli.child.kill('SIGHUP');
  await cli.waitFor(done, 30_000);
  // The line seen must be a new one.
  if (cli.stderr.length + cli.stdout.length === seen) throw new Error('no new line');
};

test.serial('SIGHUP under load, three times: every request answered by one generation, app modules imported afresh, new connections get the last', async (t) => {
  const s = site();
  const cli = await startCli(t, ['--port', '0', '--config', s.config]);
  t.is(await fresh(cli.url), 'A');
  const result = await load(cli.url, 3000, 8, [
    reloadTo(cli, s, 'B', /reloaded the config \(generation 1\)/),
    reloadTo(cli, s, 'C', /reloaded the config \(generation 2\)/),
    reloadTo(cli, s, 'D', /reloaded the config \(generation 3\)/),
  ]);
  report(t, 'single process, 3 reloads', result);
  t.deepEqual(result.failures, [], 'every request answered 200');
  t.is(result.answers.length, result.sent);
  t.true(result.sent >= 3000);
  t.deepEqual([...new Set(result.answers)].sort(), ['A', 'B', 'C', 'D'], 'every generation served');
  // Old keep-alive connections moved over: the last answers are all from the last generation.
  t.deepEqual([...new Set(result.answers.slice(-50))], ['D']);
  for (let i = 0; i < 3; i++) t.is(await fresh(cli.url), 'D');
  t.false(cli.stderr.some((l) => /refused|failed|uncaught/.test(l)), cli.stderr.join('\n'));
});

test.serial('SIGHUP: in-flight requests finish on the old config, an idle keep-alive connection gets the new one with Connection: close', async (t) => {
  const s = site();
  // The slow app says when it has the request and answers once the test has seen
  // the reload (a file appears), not after a fixed 1.5 s: a CLI slowed by a loaded
  // machine could finish the reload after that, and the answer left without
  // Connection: close. Its wait is bounded (20 s) so a lost release fails the test.
  const release = path.join(s.dir, 'release');
  fs.writeFileSync(
    path.join(s.dir, 'slow.mjs'),
    `import fs from 'node:fs';
export const porticoKind = 'native';
export default async () => {
  console.log('slow: in flight');
  for (let i = 0; i < 2000 && !fs.existsSync(${JSON.stringify(release)}); i++) await new Promise((r) => setTimeout(r, 10));
  return { status: 200, body: 'old and slow' };
};
`,
  );
  s.configure({ mounts: { '/': './app.mjs', '/slow': './slow.mjs' } });
  const cli = await startCli(t, ['--port', '0', '--config', s.config]);
  const pool = new Pool(cli.url, { connections: 2 });
  t.teardown(() => pool.close());
  t.is(await (await pool.request({ path: '/', method: 'GET' })).body.text(), 'A');
  const slow = pool.request({ path: '/slow', method: 'GET' });
  await cli.waitFor(/slow: in flight/);
  // The new config has no /slow mount at all.
  s.configure({});
  s.say('B');
  cli.child.kill('SIGHUP');
  await cli.waitFor(/generation 1/);
  fs.writeFileSync(release, '');
  const r = await slow;
  t.is(r.statusCode, 200);
  t.is(await r.body.text(), 'old and slow', 'the request in flight finished on the old generation');
  t.is(r.headers['connection'], 'close', 'and its connection closes after it');
  // The pool's other connection was idle: its next request gets the new config, then it closes.
  const idle = await pool.request({ path: '/', method: 'GET' });
  t.is(await idle.body.text(), 'B');
  t.is(await fresh(cli.url + '/slow'), 'B', 'new connections: the new mount table (the root app answers /slow now)');
});

test.serial('SIGHUP applies logs, limits and rate limits of the new config file', async (t) => {
  const s = site();
  const first = path.join(s.dir, 'first.log');
  const second = path.join(s.dir, 'second.log');
  s.configure({ accessLog: first });
  const cli = await startCli(t, ['--port', '0', '--config', s.config]);
  t.is(await fresh(cli.url), 'A');
  s.configure({ accessLog: second, logFormat: '$status $request_method $uri $portico_mount', rateLimit: '1r/m,burst=1', limits: { maxBodyBytes: 8 } });
  cli.child.kill('SIGHUP');
  await cli.waitFor(/generation 1/);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await request(cli.url + '/x', { reset: true });
    await r.body.dump();
    statuses.push(r.statusCode);
  }
  t.deepEqual(statuses, [200, 200, 429], 'the new rate limit');
  const big = await request(cli.url, { method: 'POST', body: 'more than eight bytes', reset: true });
  await big.body.dump();
  t.is(big.statusCode, 413, 'the new body limit');
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(fs.readFileSync(second, 'utf8').trim().split('\n').slice(0, 3), ['200 GET /x /', '200 GET /x /', '429 GET /x /'], 'the new file, in the new format');
  t.is(fs.readFileSync(first, 'utf8').trim().split('\n').length, 1, 'the old file got only the request before the reload');
});

test.serial('SIGHUP with a config that does not load: refused with one line, the old config keeps serving under load', async (t) => {
  const s = site();
  const cli = await startCli(t, ['--port', '0', '--config', s.config]);
  const refusals = (): number => cli.stderr.filter((l) => /reload refused/.test(l)).length;
  const refuse = (change: () => void, cause: RegExp) => async (): Promise<void> => {
    const before = refusals();
    change();
    cli.child.kill('SIGHUP');
    await cli.waitFor(cause, 30_000);
    t.is(refusals(), before + 1, 'one line per refusal');
  };
  const result = await load(cli.url, 1500, 6, [
    refuse(() => s.configure({ mounts: { '/': './missing.mjs' } }), /reload refused; the running config keeps serving cause=".*missing\.mjs/),
    refuse(() => (s.configure({}), fs.writeFileSync(path.join(s.dir, 'message.mjs'), 'export const message = ;\n')), /reload refused.*cause="mount \/: cannot load .*app\.mjs: .*message\.mjs:1:\d+: SyntaxError: Unexpected token/),
    refuse(() => (s.say('B'), s.configure({ proxyProtocol: true })), /reload refused.*--proxy-protocol cannot change on reload/),
  ]);
  report(t, 'single process, 3 refused reloads', result);
  t.deepEqual(result.failures, []);
  t.deepEqual([...new Set(result.answers)], ['A'], 'the old config kept serving');
  t.is(await fresh(cli.url), 'A');
  t.true(cli.stderr.filter((l) => /reload refused/.test(l)).every((l) => !l.includes('\n') && l.length < 400));
  // A good config after the refusals is taken.
  s.configure({});
  cli.child.kill('SIGHUP');
  await cli.waitFor(/generation 1/);
  t.is(await fresh(cli.url), 'B');
});

test.serial('--workers 2: SIGHUP is a rolling restart under load, twice, every request answered', async (t) => {
  const s = site();
  const cli = await startCli(t, ['--port', '0', '--workers', '2', '--config', s.config]);
  t.is(await fresh(cli.url), 'A');
  let rolls = 0;
  const roll = (message: string) => async (): Promise<void> => {
    const before = cli.stderr.filter((l) => /2 new workers listening; 2 old draining/.test(l)).length;
    s.say(message);
    cli.child.kill('SIGHUP');
    for (let i = 0; i < 300 && cli.stderr.filter((l) => /2 new workers listening; 2 old draining/.test(l)).length === before; i++) await new Promise((r) => setTimeout(r, 100));
    rolls++;
  };
  const result = await load(cli.url, 3000, 8, [roll('B'), roll('C')]);
  report(t, '--workers 2, 2 rolling reloads', result);
  t.is(rolls, 2);
  t.deepEqual(result.failures, [], 'every request answered 200');
  t.is(result.answers.length, result.sent);
  t.deepEqual([...new Set(result.answers)].sort(), ['A', 'B', 'C']);
  t.deepEqual([...new Set(result.answers.slice(-50))], ['C'], 'the old workers retired: the last answers come from the new ones');
  for (let i = 0; i < 3; i++) t.is(await fresh(cli.url), 'C');
  t.false(cli.stderr.some((l) => /refused|uncaught|was killed|exited \(status [^0]/.test(l)), cli.stderr.join('\n'));
});

test.serial('--workers 2: a successor that crashes while starting refuses the reload under load; no request is lost', async (t) => {
  const s = site();
  const cli = await startCli(t, ['--port', '0', '--workers', '2', '--config', s.config]);
  const crash = async (): Promise<void> => {
    // The new app module kills its process as it loads: a crash, not a clean startup error.
    fs.writeFileSync(path.join(s.dir, 'message.mjs'), `process.exit(7);\nexport const message = 'never';\n`);
    cli.child.kill('SIGHUP');
    await cli.waitFor(/SIGHUP: reload refused: a new worker exited \(status 7\) before listening; the running workers keep serving/, 30_000);
  };
  const result = await load(cli.url, 1500, 6, [crash]);
  report(t, '--workers 2, a successor crashing during the reload', result);
  t.deepEqual(result.failures, []);
  t.deepEqual([...new Set(result.answers)], ['A'], 'the old workers kept serving');
  // A reload after the refusal works, and the worker count is what it was.
  s.say('B');
  cli.child.kill('SIGHUP');
  await cli.waitFor(/2 new workers listening; 2 old draining/, 30_000);
  for (let i = 0; i < 30 && (await fresh(cli.url)) !== 'B'; i++) await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < 5; i++) t.is(await fresh(cli.url), 'B');
});

test.serial('--workers 2: a reload that changes the worker count or the port is refused; the workers keep serving', async (t) => {
  const s = site();
  // From the file alone (flags would win over it).
  s.configure({ port: 0, workers: 2 });
  const cli = await startCli(t, ['--config', s.config]);
  s.configure({ port: 0, workers: 3 });
  cli.child.kill('SIGHUP');
  await cli.waitFor(/reload refused: --workers cannot change on reload \(2 running, 3 asked\)/, 30_000);
  const free = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  s.configure({ port: free, workers: 2 });
  cli.child.kill('SIGHUP');
  await cli.waitFor(/reload refused: the new workers listen on http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+; the address needs a restart/, 30_000);
  t.is(await fresh(cli.url), 'A');
  t.is(cli.stderr.filter((l) => /new workers listening/.test(l)).length, 0);
});

test.serial('--workers 2: an old worker that dies during a rolling reload is replaced by the successors, not forked again', async (t) => {
  const s = site();
  s.configure({ status: '/_status' });
  const cli = await startCli(t, ['--port', '0', '--workers', '2', '--config', s.config]);
  const status = async (): Promise<{ pid: number; cluster?: { workers: number } }> => (await request(cli.url + '/_status', { reset: true })).body.json() as never;
  const old = (await status()).pid;
  // The successors take two seconds to load their app: time for an old worker to die meanwhile.
  fs.writeFileSync(path.join(s.dir, 'message.mjs'), `await new Promise((r) => setTimeout(r, 2000));\nexport const message = 'B';\n`);
  cli.child.kill('SIGHUP');
  await new Promise((r) => setTimeout(r, 300));
  process.kill(old, 'SIGKILL');
  await cli.waitFor(new RegExp(`worker ${old} was killed \\(SIGKILL\\) during a reload; its successor replaces it`));
  await cli.waitFor(/SIGHUP: 2 new workers listening; 1 old draining/, 30_000);
  t.is(await fresh(cli.url), 'B');
  // Once the counters have gone round (every second), the cluster is two workers.
  let workers = 0;
  for (let i = 0; i < 50 && workers !== 2; i++) {
    await new Promise((r) => setTimeout(r, 200));
    workers = (await status()).cluster?.workers ?? 0;
  }
  t.is(workers, 2);
  t.false(cli.stderr.some((l) => /starting another/.test(l)), cli.stderr.join('\n'));
});
