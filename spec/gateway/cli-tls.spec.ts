// --tls-cert/--tls-key reach serve() as its `tls` option (HTTPS on the port),
// and SIGHUP (a whole-config reload) re-reads both files: new connections get the new certificate,
// open ones go on, and a broken pair is refused with the old one kept. The
// certificates are made in the test with openssl.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { REPO, runCliToEnd, startCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { needs } from '../helpers/system-program.js';

const { test, paths } = needs('openssl');

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-tls-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const makeCert = (name: string): { cert: string; key: string } => {
  const cert = path.join(tmp, `${name}.crt`);
  const key = path.join(tmp, `${name}.key`);
  execFileSync(paths.openssl!, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
};

/** The CN of the certificate a new TLS connection is shown. */
const servedName = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost' }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.end();
      resolve(String(Array.isArray(cn) ? cn[0] : cn));
    });
    s.on('error', reject);
  });

test('--tls-cert/--tls-key serve HTTPS; SIGHUP reloads the files without dropping connections', async (t) => {
  const first = makeCert('first.test');
  const second = makeCert('second.test');
  const cert = path.join(tmp, 'live.crt');
  const key = path.join(tmp, 'live.key');
  fs.copyFileSync(first.cert, cert);
  fs.copyFileSync(first.key, key);
  const cli = await startCli(t, ['--port', '0', '--tls-cert', cert, '--tls-key', key, `${FIX}/native.mjs`]);
  t.regex(cli.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const agent = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 60_000 });
  t.teardown(() => agent.close());
  const before = await request(cli.url + '/before', { dispatcher: agent });
  t.is(before.statusCode, 200);
  t.regex(await before.body.text(), /^native \|\/before\|/);
  t.is(await servedName(cli.port), 'first.test');

  fs.copyFileSync(second.cert, cert);
  fs.copyFileSync(second.key, key);
  cli.child.kill('SIGHUP');
  await cli.waitFor(/SIGHUP: reloaded the config \(generation 1\)/);
  t.is(await servedName(cli.port), 'second.test');
  // The keep-alive connection opened before the reload still serves (its last request: it closes after it).
  const after = await request(cli.url + '/after', { dispatcher: agent });
  t.is(after.statusCode, 200);
  await after.body.text();

  // A broken pair (this key does not match) is refused; the server keeps the last good one.
  fs.copyFileSync(first.key, key);
  cli.child.kill('SIGHUP');
  await cli.waitFor(/reload refused; the running config keeps serving cause="--tls-cert\/--tls-key: not a usable certificate and key: /);
  t.is(await servedName(cli.port), 'second.test');
});

test('--tls-key that is not a key: one line, exit 2', async (t) => {
  const { cert } = makeCert('bad.test');
  const r = await runCliToEnd(['--port', '0', '--tls-cert', cert, '--tls-key', cert, `${FIX}/native.mjs`]);
  t.is(r.status, 2);
  t.is(r.stderr.length, 1, r.stderr.join('\n'));
  t.regex(r.stderr[0]!, /^portico: --tls-cert\/--tls-key: not a usable certificate and key: /);
});

test('--redirect-http PORT and --hsts: curl -L goes from http:// to the same path and query on HTTPS; HSTS only there', async (t) => {
  const { cert, key } = makeCert('localhost');
  const cli = await startCli(t, ['--port', '0', '--tls-cert', cert, '--tls-key', key, '--redirect-http', '0', '--hsts', `${FIX}/native.mjs`]);
  const line = await cli.waitFor(/^portico: redirecting http:\/\/127\.0\.0\.1:\d+ to HTTPS$/);
  const plain = /http:\/\/(\S+) /.exec(line)![1]!;
  const redirect = await request(`http://${plain}/a%20b/c?x=1&y=%2F`, { method: 'POST', body: 'form' });
  t.is(redirect.statusCode, 308);
  t.is(redirect.headers['location'], `https://127.0.0.1:${cli.port}/a%20b/c?x=1&y=%2F`);
  t.is(redirect.headers['strict-transport-security'], undefined);
  await redirect.body.dump();
  if (!needs('curl').found) return;
  const followed = await curl(['-k', '-L', `http://${plain}/followed?z=1`]);
  t.is(followed.status, 200);
  t.regex(followed.body.toString(), /^native \|\/followed\|/);
  t.is(followed.headers['strict-transport-security'], 'max-age=31536000');
});

test('--redirect-http without TLS: one line, exit 2', async (t) => {
  const r = await runCliToEnd(['--port', '0', '--redirect-http', '0', `${FIX}/native.mjs`]);
  t.is(r.status, 2);
  t.is(r.stderr.length, 1, r.stderr.join('\n'));
  t.regex(r.stderr[0]!, /^portico: --redirect-http needs --tls-cert and --tls-key /);
});
