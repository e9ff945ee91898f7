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
