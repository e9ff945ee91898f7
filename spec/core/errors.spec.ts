// Portico's one error base (core/errors.ts): every error class of the engine, the
// adapters and the gateway is a PorticoError with an ERR_ code; those that answer
// a request are HttpErrors with a status. And docs/errors.md lists every code
// the sources raise (node's own codes, which Portico only matches, excepted).

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError, PorticoError } from '../../core/index.js';
import { BadPathError } from '../../core/request-path.js';
import { CgiError } from '../../adapters/cgi/cgi-error.js';
import { FastCgiError, FastCgiProtocolError } from '../../adapters/fastcgi/fastcgi-error.js';
import { FetchAdapterError } from '../../adapters/fetch/errors.js';
import { ProxyError } from '../../adapters/proxy/proxy-error.js';
import { FileChangedError } from '../../adapters/static/send-file.js';
import { StaticOptionsError } from '../../adapters/static/options.js';
import { ContractViolation } from '../../adapters/validator.js';
import { ConfigError } from '../../gateway/config-error.js';
import { ProxyProtocolError } from '../../gateway/proxy-protocol.js';
import { OptionError } from '../../adapters/option-error.js';
import { cgiApp } from '../../adapters/cgi/index.js';
import { fastcgiApp } from '../../adapters/fastcgi/index.js';
import { proxyApp } from '../../adapters/proxy/index.js';
import { staticApp } from '../../adapters/static/index.js';
import { sendResponse } from '../../adapters/respond.js';
import { hstsValue } from '../../gateway/hsts.js';
import { redirectOptions } from '../../gateway/redirect-http.js';
import { parseRate } from '../../gateway/rate-limit.js';
import { Router } from '../../gateway/router.js';
import { createServer } from '../../gateway/node-entry.js';
import { serve } from '../../gateway/server.js';

test('every error class is a PorticoError with an ERR_ code; those that answer a request are HttpErrors with a status', (t) => {
  const answering: Array<[Error, string, string, number]> = [
    [new HttpError('ERR_BODY_TOO_LARGE', 413, 'x'), 'HttpError', 'ERR_BODY_TOO_LARGE', 413],
    [new BadPathError('x'), 'BadPathError', 'ERR_BAD_PATH', 400],
    [new CgiError('ERR_CGI_TIMEOUT', 'x'), 'CgiError', 'ERR_CGI_TIMEOUT', 504],
    [new FastCgiError('ERR_FCGI_OVERLOADED', 'x'), 'FastCgiError', 'ERR_FCGI_OVERLOADED', 503],
    [new FastCgiProtocolError('x'), 'FastCgiProtocolError', 'ERR_FCGI_PROTOCOL', 502],
    [new FetchAdapterError('ERR_NOT_A_RESPONSE', 'x'), 'FetchAdapterError', 'ERR_NOT_A_RESPONSE', 500],
    [new ProxyError('ERR_PROXY_CONNECT_TIMEOUT', 'x'), 'ProxyError', 'ERR_PROXY_CONNECT_TIMEOUT', 504],
    [new ProxyError('ERR_PROXY_BAD_RESPONSE', 'x'), 'ProxyError', 'ERR_PROXY_BAD_RESPONSE', 502],
    [new FileChangedError('x'), 'FileChangedError', 'ERR_STATIC_FILE_CHANGED', 500],
  ];
  for (const [err, name, code, status] of answering) {
    t.true(err instanceof HttpError && err instanceof PorticoError, name);
    t.deepEqual([err.name, (err as HttpError<string>).code, (err as HttpError<string>).status], [name, code, status]);
  }
  const configuring: Array<[Error, string, string]> = [
    [new ConfigError('x'), 'ConfigError', 'ERR_PORTICO_CONFIG'],
    [new StaticOptionsError('ERR_STATIC_ROOT', 'x'), 'StaticOptionsError', 'ERR_STATIC_ROOT'],
    [new ProxyProtocolError('x'), 'ProxyProtocolError', 'ERR_PROXY_PROTOCOL'],
    [new ContractViolation({ side: 'app', rule: 'r', message: 'm' } as never), 'ContractViolation', 'ERR_CONTRACT_VIOLATION'],
    [new OptionError('ERR_INVALID_OPTION', 'x'), 'OptionError', 'ERR_INVALID_OPTION'],
  ];
  for (const [err, name, code] of configuring) {
    t.true(err instanceof PorticoError && !(err instanceof HttpError), name);
    t.deepEqual([err.name, (err as PorticoError).code], [name, code]);
  }
  t.is(new ConfigError('x', { cause: 'why' }).cause, 'why');
});

// Node's own codes that Portico matches on (it never raises them), and prefixes built into codes.
const FOREIGN = /^ERR_(OSSL|PARSE_ARGS_)|^ERR_(CGI|FCGI)_$/;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const sourcesUnder = (dir: string): string[] =>
  fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return rel === 'adapters/node' ? [] : sourcesUnder(rel); // node:http's surface: its issue's
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });

test('docs/errors.md lists every code the sources raise', (t) => {
  const docs = fs.readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8');
  const codes = new Set<string>();
  for (const file of ['core', 'gateway', 'adapters'].flatMap(sourcesUnder)) {
    for (const m of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/'(ERR_[A-Z_]+)'/g)) if (!FOREIGN.test(m[1]!)) codes.add(m[1]!);
  }
  t.true(codes.size > 70, `found ${codes.size} codes`);
  const missing = [...codes].filter((code) => !docs.includes('| `' + code + '` |'));
  t.deepEqual(missing, []);
});

// The option checks: an adapter's are OptionErrors, one code per meaning (a key it does not
// know, a value it cannot use); the server's (serve(), createServer(), their mounts) are
// ConfigErrors, as the rest of the options' checks. Messages are as they were.
test('option checks throw PorticoErrors with a code per meaning, and keep their messages', async (t) => {
  const app = (): void => {};
  const cases: Array<[() => unknown, string, string, string | RegExp]> = [
    [() => cgiApp({}), 'OptionError', 'ERR_INVALID_OPTION', 'cgiApp: give exactly one of `script` (one program) or `root` (a folder of programs)'],
    [() => cgiApp({ root: '/tmp', maxSpoolBytes: -1 }), 'OptionError', 'ERR_INVALID_OPTION', 'cgiApp: maxSpoolBytes must be a non-negative number'],
    [() => cgiApp({ root: '/tmp', colour: 1 } as never), 'OptionError', 'ERR_UNKNOWN_OPTION', /^cgiApp: unknown option "colour"/],
    [() => cgiApp({ root: new URL('http://example.com/') }), 'OptionError', 'ERR_INVALID_OPTION', 'cgiApp: `root` must be a folder path or a file: URL, got a http: URL'],
    [() => fastcgiApp({ address: 'localhost', root: '/tmp' }), 'OptionError', 'ERR_INVALID_OPTION', 'fastcgiApp: address "localhost" is neither "unix:/path" nor "host:port"'],
    [() => fastcgiApp({ address: '127.0.0.1:9000', root: '/tmp', extensions: ['php'] }), 'OptionError', 'ERR_INVALID_OPTION', 'fastcgiApp: extension "php" must look like ".php"'],
    [() => proxyApp({ upstream: 'ftp://example.com' }), 'OptionError', 'ERR_INVALID_OPTION', 'proxyApp: upstream must be an http: or https: URL, not ftp://example.com'],
    [() => proxyApp({ upstream: 'http://127.0.0.1:1', timeout: 1 } as never), 'OptionError', 'ERR_UNKNOWN_OPTION', /^proxyApp: unknown option "timeout", did you mean "timeoutMs"\?$/],
    [() => staticApp({ root: '/tmp', indexes: [] } as never), 'StaticOptionsError', 'ERR_UNKNOWN_OPTION', /^staticApp: unknown option "indexes"/],
    [() => staticApp({ root: '/tmp', etag: 1 } as never), 'StaticOptionsError', 'ERR_INVALID_OPTION', 'staticApp: "etag" must be a boolean, got number'],
    [() => hstsValue({ maxAge: -1 }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'hsts.maxAge: must be a whole number of seconds, got -1'],
    [() => hstsValue({ preload: true }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'hsts.preload: needs includeSubDomains and a maxAge of at least 31536000 (one year)'],
    [() => redirectOptions({ port: 70_000 }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'redirectHttp: needs a port from 0 to 65535'],
    [() => redirectOptions({ port: 80, httpsPort: 0 }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'redirectHttp.httpsPort: must be a port from 1 to 65535'],
    [() => parseRate('10r/h'), 'ConfigError', 'ERR_PORTICO_CONFIG', /^rate must look like "10r\/s" or "600r\/m"/],
    [() => new Router({ api: app }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'Mount prefix must start with "/": api'],
    [() => new Router({ '/api': {} as never }), 'ConfigError', 'ERR_PORTICO_CONFIG', 'Mount /api has no app function'],
    [() => createServer({ portico: { port: 80 } as never }), 'ConfigError', 'ERR_PORTICO_CONFIG', /^createServer\(\): "portico\.port" has no meaning on a node server/],
  ];
  for (const [make, name, code, message] of cases) {
    const err = t.throws(make, { instanceOf: PorticoError, message } as never) as unknown as PorticoError;
    t.deepEqual([err.name, err.code], [name, code], String(message));
    t.is(err instanceof OptionError, name !== 'ConfigError', `${name} is an OptionError, a ConfigError is not`);
    t.false(err instanceof TypeError, 'no longer a TypeError (CHANGELOG)');
  }
  await t.throwsAsync(serve({ port: 0, app, redirectHttp: 0 }), { instanceOf: ConfigError, code: 'ERR_PORTICO_CONFIG', message: /^redirectHttp: needs tls/ } as never);
  const written: unknown[] = [];
  const responder = { writeHead: (...args: unknown[]) => written.push(args) } as never;
  const bad = await t.throwsAsync(sendResponse(responder, { status: 200, body: 42 as never }), { instanceOf: HttpError });
  t.deepEqual([bad?.code, bad?.status, bad?.message], ['ERR_BAD_RESPONSE_BODY', 500, 'Unsupported response body type']);
});

// Where Portico still throws the built-in TypeError or RangeError, on purpose: each file's reason.
const BUILT_IN_ERRORS: Record<string, string> = {
  'adapters/fetch/info.ts': "Deno.upgradeWebSocket's TypeError on a request that is not an upgrade",
  'adapters/fetch/upgrade-exchange.ts': "Deno.upgradeWebSocket's TypeErrors",
  'adapters/fetch/hono-websocket.ts': "Hono's upgradeWebSocket() misused outside Portico, as a TypeError",
  'adapters/fastcgi/protocol.ts': 'the FastCGI codec: internal limits no request reaches (records are cut to fit first)',
};

test('no other source throws a built-in TypeError or RangeError', (t) => {
  const found = ['core', 'gateway', 'adapters']
    .flatMap(sourcesUnder)
    .filter((file) => /new (Type|Range)Error\(/.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
  t.deepEqual(found.sort(), Object.keys(BUILT_IN_ERRORS).sort());
});
