// Rate limiting (nginx limit_req, nodelay): the bucket arithmetic on a given
// clock, bounded memory for many addresses, and real servers: a per-mount limit
// answered 429 with Retry-After through the error pages (undici), a limit keyed
// on the address a PROXY v1 header names (raw sockets), and the CLI flag (curl).
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'undici';
import { RateLimiter, parseRate } from '../../gateway/rate-limit.js';
import { ConfigError, validateConfig, flagLabel } from '../../gateway/config.js';
import { startServer } from '../helpers/server.js';
import { serve } from '../../gateway/server.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import { REPO, runCliToEnd, startCli } from '../helpers/cli.js';

const run = promisify(execFile);
const FIX = `${REPO}/spec/gateway/cli-fixtures`;

test('rates: "10r/s", "600r/m", numbers', (t) => {
  t.is(parseRate('10r/s'), 10);
  t.is(parseRate('30r/m'), 0.5);
  t.is(parseRate(2.5), 2.5);
  for (const bad of ['10', 'r/s', '0r/s', '10r/h', -1, 0]) {
    t.throws(() => parseRate(bad as string), { instanceOf: ConfigError, code: 'ERR_PORTICO_CONFIG', message: /^rate must look like "10r\/s" or "600r\/m"/ } as never);
  }
});

test('the bucket: burst + 1 at once, then one per 1/rate; refusals say how long to wait and do not fill it', (t) => {
  const l = new RateLimiter({ rate: '2r/s', burst: 3 });
  for (let i = 0; i < 4; i++) t.is(l.take('a', 0), 0, `request ${i} of the burst`);
  t.is(l.take('a', 0), 1, 'the fifth at once: refused, retry in 1 s (0.5 s rounded up)');
  t.is(l.take('a', 100), 1);
  t.is(l.take('b', 100), 0, 'another address has its own bucket');
  t.is(l.take('a', 500), 0, 'one request drained after 1/rate');
  t.is(l.take('a', 500), 1);
  t.is(l.take('a', 3000), 0, 'drained');
  const slow = new RateLimiter({ rate: '6r/m' });
  t.is(slow.take('x', 0), 0);
  t.is(slow.take('x', 1000), 9, 'Retry-After in whole seconds: 10 s per request, 1 s passed');
});

test('memory is bounded: drained buckets are dropped, and past maxClients the least recently used goes', (t) => {
  const l = new RateLimiter({ rate: '1000r/s', maxClients: 1000 });
  for (let i = 0; i < 50_000; i++) l.take(`10.0.${i >> 8}.${i & 255}`, i * 0.001);
  t.true(l.size <= 1000, String(l.size));
  // A slow trickle of distinct addresses: each drains before the next two come, so few stay.
  const trickle = new RateLimiter({ rate: '10r/s' });
  for (let i = 0; i < 10_000; i++) trickle.take(`a${i}`, i * 1000);
  t.true(trickle.size <= 2, String(trickle.size));
  // A hot address stays tracked (and limited) among many one-off ones.
  const mixed = new RateLimiter({ rate: '1r/s', maxClients: 100 });
  t.is(mixed.take('hot', 0), 0);
  for (let i = 0; i < 1000; i++) {
    mixed.take(`one-off-${i}`, i);
    t.not(mixed.take('hot', i), 0);
  }
});

test('config: rateLimit as "RATE,burst=N" or an object, on the server and per mount; bad ones are one line', (t) => {
  t.deepEqual(validateConfig({ rateLimit: '3r/s,burst=2' }, flagLabel, '.').rateLimit, { rate: '3r/s', burst: 2 });
  t.deepEqual(validateConfig({ rateLimit: '600r/m' }, flagLabel, '.').rateLimit, { rate: '600r/m' });
  const c = validateConfig({ mounts: { '/a': { app: 'static:.', rateLimit: { rate: 5, burst: 1 } }, '/b': { app: 'static:.', rateLimit: false } } }, flagLabel, '.');
  t.like(c.mounts!['/a'], { rateLimit: { rate: 5, burst: 1 } });
  t.like(c.mounts!['/b'], { rateLimit: false });
  t.throws(() => validateConfig({ rateLimit: 'lots' }, flagLabel, '.'), {
    message: '--rate-limit must be RATE or RATE,burst=N with RATE like 10r/s or 600r/m, got "lots"',
  });
  t.throws(() => validateConfig({ rateLimit: '5r/s,brust=1' }, flagLabel, '.'), { message: /^--rate-limit must be RATE or RATE,burst=N \(10r\/s,burst=20\), got "5r\/s,brust=1"$/ });
  t.throws(() => validateConfig({ rateLimit: { rate: '1r/s', brust: 3 } }, flagLabel, '.'), { message: /unknown key "brust", did you mean "burst"\?/ });
  t.throws(() => validateConfig({ rateLimit: { rate: '1r/h' } }, flagLabel, '.'), { message: /^--rate-limit\.rate must be a rate such as "10r\/s"/ });
  t.throws(() => validateConfig({ mounts: { '/a': { app: 'static:.', rateLimit: { rate: 1, burst: -1 } } } }, (k) => `portico.json: "${k}"`, '.'), {
    message: /^portico\.json: "mounts"\["\/a"\]\.rateLimit\.burst must be a non-negative integer, got -1$/,
  });
});

test('serve() checks rateLimit with the same messages', async (t) => {
  await t.throwsAsync(serve({ port: 0, app: () => ({ status: 200 }), rateLimit: { rate: 'fast' } }), { message: /^serve\(\): "rateLimit"\.rate must be a rate such as/ });
});

test('a mount limit answers 429 with Retry-After through the error pages; other mounts and addresses are untouched', async (t) => {
  let calls = 0;
  const { url } = await startServer(t, {
    mounts: {
      '/api': { app: () => (calls++, { status: 200, body: 'ok' }), rateLimit: { rate: '1r/m', burst: 2 } },
      '/free': () => ({ status: 200, body: 'free' }),
    },
    errorPages: { 429: '<p>slow down</p>' },
  });
  const statuses: number[] = [];
  let refused;
  for (let i = 0; i < 5; i++) {
    const r = await request(url + '/api/x');
    statuses.push(r.statusCode);
    const body = await r.body.text();
    if (r.statusCode === 429) refused = { retry: r.headers['retry-after'], body };
  }
  t.deepEqual(statuses, [200, 200, 200, 429, 429]);
  t.is(calls, 3, 'the app never saw the refused requests');
  t.truthy(refused);
  t.true(Number(refused!.retry) >= 50 && Number(refused!.retry) <= 60, String(refused!.retry));
  t.is(refused!.body, '<p>slow down</p>', "the server's error page for 429");
  t.is((await request(url + '/free')).statusCode, 200);
});

test('the default 429 page is JSON for clients that ask, with its code', async (t) => {
  const { url } = await startServer(t, { app: () => ({ status: 200, body: 'ok' }), rateLimit: { rate: '1r/m' } });
  t.is((await request(url)).statusCode, 200);
  const r = await request(url, { headers: { accept: 'application/json' } });
  t.is(r.statusCode, 429);
  t.like(await r.body.json(), { error: { status: 429, code: 'ERR_RATE_LIMITED' } });
});

test("the server-wide limit is one bucket per address across mounts; a mount's own limit and false stand apart", async (t) => {
  const ok = (body: string) => () => ({ status: 200, body });
  const { url } = await startServer(t, {
    rateLimit: { rate: '1r/m', burst: 2 },
    mounts: { '/a': ok('a'), '/b': ok('b'), '/own': { app: ok('own'), rateLimit: { rate: '1r/m' } }, '/free': { app: ok('free'), rateLimit: false } },
  });
  const status = async (path: string): Promise<number> => {
    const r = await request(url + path);
    await r.body.dump();
    return r.statusCode;
  };
  // Three requests fit the shared bucket (burst 2 + 1), whichever mount they go to.
  t.deepEqual([await status('/a'), await status('/b'), await status('/a'), await status('/b'), await status('/a')], [200, 200, 200, 429, 429]);
  t.deepEqual([await status('/own'), await status('/own')], [200, 429], 'its own bucket: burst 0');
  for (let i = 0; i < 5; i++) t.is(await status('/free'), 200);
});

test('behind the PROXY protocol the address in the header is the one limited', async (t) => {
  const { port } = await startServer(t, { app: (env) => ({ status: 200, body: env.remoteAddress }), proxyProtocol: true, rateLimit: { rate: '1r/m', burst: 1 } });
  const from = (client: string) =>
    exchange(port, `PROXY TCP4 ${client} 192.0.2.1 40000 80\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { timeoutMs: 5000 }).then((r) => r.responses[0]!);
  // Every connection comes from 127.0.0.1 (the balancer); the clients differ.
  const a = [await from('203.0.113.7'), await from('203.0.113.7'), await from('203.0.113.7')];
  t.deepEqual(a.map((r) => r.status), [200, 200, 429]);
  t.is(a[0]!.body.toString(), '203.0.113.7');
  t.truthy(header(a[2]!, 'retry-after'));
  const b = await from('198.51.100.9');
  t.is(b.status, 200, 'another client behind the same balancer is not limited');
  t.is(b.body.toString(), '198.51.100.9');
});

test('CLI --rate-limit 2r/m,burst=1: curl sees 200, 200, then 429 with Retry-After', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--rate-limit', '2r/m,burst=1', '--status', '/status', `${FIX}/native.mjs`]);
  const codes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-w', '%{http_code}', `${cli.url}/hello`]);
    codes.push(stdout.slice(-3));
    if (i === 2) t.regex(stdout, /\r\nretry-after: \d+\r\n/i);
  }
  t.deepEqual(codes, ['200', '200', '429']);
  const { stdout } = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${cli.url}/status`]);
  t.is(stdout, '200', 'the status page is not limited');
});

test('CLI: a bad --rate-limit is one line and status 2', async (t) => {
  const r = await runCliToEnd(['--port', '0', '--rate-limit', 'fast', `${FIX}/native.mjs`]);
  t.is(r.status, 2);
  t.deepEqual(r.stderr, ['portico: --rate-limit must be RATE or RATE,burst=N with RATE like 10r/s or 600r/m, got "fast"']);
});
