// The program's environment, checked variable by variable from a shell
// program that prints it as env-KEY=value lines (Go net/http/cgi's test style):
// RFC 3875 §4.1, the common extensions, HTTP_* rules (httpoxy, names with "_",
// credentials, the body's own fields), the allow-list of the server's
// environment and the configured env winning over everything.

import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { cgiApp, type CgiOptions } from '../../../adapters/cgi/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { FIXTURES, captureLog } from './helpers.js';
import { needs } from '../../helpers/system-program.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Variables a shell sets for itself, not given by Portico; and NODE_V8_COVERAGE,
 * which Node's child_process adds to every child's env under coverage (c8).
 */
const SHELL_OWN = new Set(['PWD', 'SHLVL', '_', 'OLDPWD', 'NODE_V8_COVERAGE']);

const parseEnv = (body: string): { vars: Map<string, string>; other: string[] } => {
  const vars = new Map<string, string>();
  const other: string[] = [];
  for (const line of body.split('\n')) {
    const m = /^env-([^=]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
    else if (line !== '') other.push(line);
  }
  return { vars, other };
};

const start = async (t: ExecutionContext, options: Partial<CgiOptions> = {}, tls?: { key: string; cert: string }) => {
  const log = captureLog();
  const server = await startServer(t, { mounts: { '/cgi': cgiApp({ root: FIXTURES, logger: log, ...options }) }, tls });
  return { ...server, log };
};

test('every meta-variable, one by one, for a POST with PATH_INFO, a query and assorted fields', async (t) => {
  process.env['PORTICO_CGI_SECRET'] = 'must not leak';
  const { port, log } = await start(t);
  const r = await exchange(
    port,
    'POST /cgi/env.sh/foo/bar%20baz?a=1&b=%20 HTTP/1.1\r\n' +
      'Host: example.test:8123\r\n' +
      'Content-Type: text/plain\r\n' +
      'Content-Length: 5\r\n' +
      'Cookie: a=1\r\nCookie: b=2\r\n' +
      'X-Multi: 1\r\nX-Multi: 2\r\n' +
      'Proxy: http://evil.example:3128\r\n' +
      'X_Under: collides\r\n' +
      'Authorization: Basic dXNlcjpwYXNz\r\n' +
      'Proxy-Authorization: Basic eDp5\r\n' +
      'User-Agent: env-test\r\n' +
      '\r\nhello',
    { timeoutMs: 20_000 },
  );
  t.is(r.responses[0]?.status, 200);
  const { vars, other } = parseEnv(r.responses[0]!.body.toString());
  const expected: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: 'POST',
    QUERY_STRING: 'a=1&b=%20',
    PATH_INFO: '/foo/bar baz',
    PATH_TRANSLATED: `${FIXTURES}/foo/bar baz`,
    SCRIPT_NAME: '/cgi/env.sh',
    SCRIPT_FILENAME: `${FIXTURES}/env.sh`,
    REQUEST_URI: '/cgi/env.sh/foo/bar%20baz?a=1&b=%20',
    DOCUMENT_ROOT: FIXTURES,
    SERVER_NAME: 'example.test',
    SERVER_PORT: '8123',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: `Portico/${VERSION}`,
    SERVER_ADDR: '127.0.0.1',
    REQUEST_SCHEME: 'http',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_HOST: '127.0.0.1',
    REDIRECT_STATUS: '200',
    CONTENT_LENGTH: '5',
    CONTENT_TYPE: 'text/plain',
    HTTP_HOST: 'example.test:8123',
    HTTP_COOKIE: 'a=1; b=2',
    HTTP_X_MULTI: '1, 2',
    HTTP_USER_AGENT: 'env-test',
    PATH: process.env['PATH']!,
  };
  for (const [name, value] of Object.entries(expected)) t.is(vars.get(name), value, name);
  t.regex(vars.get('REMOTE_PORT') ?? '', /^\d+$/);
  for (const name of ['HTTP_PROXY', 'HTTP_X_UNDER', 'HTTP_AUTHORIZATION', 'HTTP_PROXY_AUTHORIZATION', 'AUTH_TYPE', 'HTTP_CONTENT_LENGTH', 'HTTP_CONTENT_TYPE', 'HTTPS', 'PORTICO_CGI_SECRET', 'HOME']) {
    t.false(vars.has(name), `${name} must not be set`);
  }
  const unexpected = [...vars.keys()].filter((k) => !(k in expected) && k !== 'REMOTE_PORT' && k !== 'LD_LIBRARY_PATH' && !SHELL_OWN.has(k));
  t.deepEqual(unexpected, [], 'nothing beyond the listed variables');
  t.deepEqual(other, ['argc=0', `cwd=${FIXTURES}`, 'stdin=hello']);
  t.is(log.text(), '');
});

test('a GET without body or PATH_INFO: QUERY_STRING set but empty, no CONTENT_LENGTH or PATH_TRANSLATED', async (t) => {
  const { url } = await start(t);
  const res = await request(`${url}/cgi/env.sh`);
  const { vars } = parseEnv(await res.body.text());
  t.is(vars.get('QUERY_STRING'), '');
  t.is(vars.get('PATH_INFO'), '');
  t.false(vars.has('PATH_TRANSLATED'));
  t.false(vars.has('CONTENT_LENGTH'));
  t.false(vars.has('CONTENT_TYPE'));
});

test('HTTP/1.0 without Host: SERVER_NAME is the local address; an absolute-form target gives a path REQUEST_URI', async (t) => {
  const { port } = await start(t);
  const old = await exchange(port, 'GET /cgi/env.sh HTTP/1.0\r\n\r\n', { timeoutMs: 20_000 });
  const v10 = parseEnv(old.responses[0]!.body.toString()).vars;
  t.is(v10.get('SERVER_PROTOCOL'), 'HTTP/1.0');
  t.is(v10.get('SERVER_NAME'), '127.0.0.1');
  t.is(v10.get('SERVER_PORT'), String(port));
  const abs = await exchange(port, 'GET http://example.test/cgi/env.sh/x?y=1 HTTP/1.1\r\nHost: example.test\r\n\r\n', { timeoutMs: 20_000 });
  const va = parseEnv(abs.responses[0]!.body.toString()).vars;
  t.is(va.get('REQUEST_URI'), '/cgi/env.sh/x?y=1');
  t.is(va.get('SERVER_PORT'), '80');
});

test('the query string never becomes argv words (CVE-2012-1823)', async (t) => {
  const { url } = await start(t);
  for (const query of ['-s', '-d+allow_url_include%3d1', 'a+b+c']) {
    const body = await (await request(`${url}/cgi/env.sh?${query}`)).body.text();
    t.true(body.includes('\nargc=0\n'), query);
    t.is(parseEnv(body).vars.get('QUERY_STRING'), query);
  }
});

test('passAuthorization passes credentials and AUTH_TYPE; passEnv and env extend the environment, env winning', async (t) => {
  process.env['PORTICO_CGI_PASSED'] = 'from the server';
  const { url } = await start(t, {
    passAuthorization: true,
    passEnv: ['PORTICO_CGI_PASSED', 'PORTICO_CGI_UNSET'],
    env: { CUSTOM: 'yes', SERVER_SOFTWARE: 'Custom/1', PATH: '/usr/bin:/bin', HTTP_X_FORCED: 'configured' },
  });
  const res = await request(`${url}/cgi/env.sh`, { headers: { authorization: 'Bearer abc.def', 'x-forced': 'client' } });
  const { vars } = parseEnv(await res.body.text());
  t.is(vars.get('HTTP_AUTHORIZATION'), 'Bearer abc.def');
  t.is(vars.get('AUTH_TYPE'), 'Bearer');
  t.is(vars.get('PORTICO_CGI_PASSED'), 'from the server');
  t.false(vars.has('PORTICO_CGI_UNSET'));
  t.is(vars.get('CUSTOM'), 'yes');
  t.is(vars.get('SERVER_SOFTWARE'), 'Custom/1');
  t.is(vars.get('PATH'), '/usr/bin:/bin');
  t.is(vars.get('HTTP_X_FORCED'), 'configured');
});

test('documentRoot sets DOCUMENT_ROOT and the base of PATH_TRANSLATED', async (t) => {
  const { url } = await start(t, { documentRoot: '/srv/www' });
  const { vars } = parseEnv(await (await request(`${url}/cgi/env.sh/page.html`)).body.text());
  t.is(vars.get('DOCUMENT_ROOT'), '/srv/www');
  t.is(vars.get('PATH_TRANSLATED'), '/srv/www/page.html');
});

const withOpenssl = needs('openssl');

withOpenssl.test('over TLS: HTTPS=on and REQUEST_SCHEME=https', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-cgi-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(withOpenssl.paths.openssl!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  const { url } = await start(t, {}, tls);
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  t.teardown(() => dispatcher.close());
  const res = await request(`${url}/cgi/env.sh`, { dispatcher });
  const { vars } = parseEnv(await res.body.text());
  t.is(vars.get('HTTPS'), 'on');
  t.is(vars.get('REQUEST_SCHEME'), 'https');
  t.is(vars.get('SERVER_PORT'), String(new URL(url).port));
});

test('single-program form: SCRIPT_NAME is the mount and PATH_INFO all below it', async (t) => {
  const log = captureLog();
  const { url } = await startServer(t, { mounts: { '/single': cgiApp({ script: `${FIXTURES}/env.sh`, logger: log }) } });
  const { vars } = parseEnv(await (await request(`${url}/single/a/b`)).body.text());
  t.is(vars.get('SCRIPT_NAME'), '/single');
  t.is(vars.get('PATH_INFO'), '/a/b');
  t.is(vars.get('SCRIPT_FILENAME'), `${FIXTURES}/env.sh`);
  t.is(vars.get('DOCUMENT_ROOT'), FIXTURES);
});
