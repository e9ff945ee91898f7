// The option schema (gateway/options-schema.ts) as the one source of the CLI's
// flags, --help, config checks and serve()'s checks: every entry shows up in
// each, and serve() refuses what the CLI refuses, with the same messages.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { serve, type App, type ServeOptions } from '../../gateway/index.js';
import { createServer } from '../../gateway/node-entry.js';
import { ConfigError, validateConfig } from '../../gateway/config.js';
import { HELP, cliLabel, parseCliArgs } from '../../gateway/cli-args.js';
import { MOUNT_KEYS, OPTIONS, SERVE_KEYS, defaultOf, mountDefaults, type OptionSpec } from '../../gateway/options-schema.js';
import { Target, parseTarget } from '../../gateway/target.js';
import { silentLogger } from '../../gateway/log.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-schema-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));
const entries = Object.entries(OPTIONS) as Array<[string, OptionSpec<unknown>]>;

test('--help lists every flag of the schema with its value syntax and help text', (t) => {
  for (const [, o] of entries) {
    if (o.flag === undefined) continue;
    const line = `--${o.flag}${o.arg ? ` ${o.arg}` : ''}`;
    t.true(HELP.includes(line), line);
    t.true(HELP.replace(/\n\s+/g, ' ').includes(o.help), o.help);
    if (o.short !== undefined) t.true(HELP.includes(`-${o.short}, --${o.flag}`), o.flag);
  }
  for (const line of HELP.split('\n')) t.true(line.length <= 80, line);
});

test('every flag of the schema becomes its config key, and its label is the flag', (t) => {
  for (const [key, o] of entries) {
    if (o.flag === undefined) continue;
    const argv = o.arg === undefined ? [`--${o.flag}`] : [`--${o.flag}`, o.multiple ? '/x=./a.mjs' : 'v'];
    const parsed = parseCliArgs(argv).options;
    t.deepEqual(Object.keys(parsed), [key], o.flag);
    t.is(cliLabel(key), `--${o.flag}`);
  }
  t.is(cliLabel('app'), 'MODULE');
  t.is(cliLabel('path'), '--socket');
});

test('defaults come from the schema', (t) => {
  t.is(defaultOf('port'), 8080);
  t.is(defaultOf('host'), '127.0.0.1');
  t.is(defaultOf('shutdownTimeoutMs'), 10_000);
  t.deepEqual(MOUNT_KEYS.slice(0, 5), ['app', 'methods', 'host', 'maxBodyBytes', 'responseTimeoutMs']);
  t.deepEqual(mountDefaults({ port: 1, host: 'x' }), {}); // neither is a per-mount option
  t.true(SERVE_KEYS.includes('port'));
  t.false((SERVE_KEYS as string[]).includes('workers'));
});

const refuses = async (t: import('ava').ExecutionContext, options: unknown, message: RegExp): Promise<void> => {
  const err = await t.throwsAsync(serve({ port: 0, logger: silentLogger, ...(options as ServeOptions) }), { instanceOf: ConfigError });
  t.regex(err!.message, message);
  t.false(err!.message.includes('\n'));
  t.is(err!.code, 'ERR_PORTICO_CONFIG');
};

test('serve() checks its options with the CLI\'s messages', async (t) => {
  await refuses(t, { port: 'x' }, /^serve\(\): "port" must be an integer from 0 to 65535, got "x"$/);
  await refuses(t, { port: 70000 }, /^serve\(\): "port" must be an integer from 0 to 65535, got 70000$/);
  await refuses(t, { prot: 80 }, /^serve\(\): "prot": unknown option, did you mean "port"\?$/);
  await refuses(t, { workers: 2 }, /^serve\(\): "workers": not a serve\(\) option \(the CLI and config files take it\)$/);
  await refuses(t, { timeouts: { keepAliveMs: -1 } }, /^serve\(\): "timeouts"\.keepAliveMs must be a non-negative integer, got -1$/);
  await refuses(t, { limits: { maxBodyByte: 1 } }, /"limits": unknown key "maxBodyByte", did you mean "maxBodyBytes"\?$/);
  await refuses(t, { allowConnect: 'yes' }, /"allowConnect" must be true or false, got "yes"/);
  await refuses(t, { logger: {} }, /"logger" must be an object with an error\(\) method/);
  await refuses(t, { accessLog: 'access.log' }, /"accessLog" must be a function \(entry\) => void, got "access\.log"/);
  await refuses(t, { mounts: { '/': 'static:./site' } }, /"mounts"\["\/"\] must be an app function or mount options, got "static:\.\/site" \(TARGET strings/);
  await refuses(t, { mounts: { '/a': { app: () => {}, method: ['GET'] } } }, /"mounts"\["\/a"\]: unknown key "method", did you mean "methods"\?$/);
  await refuses(t, { mounts: { '/a': { methods: ['GET'] } } }, /"mounts"\["\/a"\]: missing "app"/);
  await refuses(t, { mounts: { api: () => {} } }, /mount prefix must start with "\/", got "api"/);
});

test('serve() takes a string of digits for a port (process.env.PORT), an app or a mount table for app', async (t) => {
  const answer = (text: string): App => (_env, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(text);
  };
  const server = await serve({ port: '0' as unknown as number, logger: silentLogger, app: { '/a': answer('a'), '/b': { app: answer('b'), methods: ['GET'] } } });
  t.teardown(() => server.close());
  const a = await request(server.url + '/a/x');
  t.is(await a.body.text(), 'a');
  const b = await request(server.url + '/b', { method: 'POST' });
  t.is(b.statusCode, 405);
  await b.body.text();
});

test('createServer() checks its portico options too, at once', (t) => {
  t.throws(() => createServer({ portico: { limits: { maxBodyBytes: 1.5 } } }, (_req, res) => res.end()), {
    instanceOf: ConfigError,
    message: /"portico\.limits"\.maxBodyBytes must be a non-negative integer, got 1\.5/,
  });
  t.throws(() => createServer({ portico: { port: 80 } as never }), { instanceOf: ConfigError, message: /"portico\.port" has no meaning on a node server/ });
});

test('a TARGET with an unknown kind is named as such, unless a file of that name exists', (t) => {
  const err = t.throws(() => parseTarget('stati:./site', tmp, 'MODULE'), { instanceOf: ConfigError });
  t.is(err!.message, 'MODULE: unknown kind "stati" in "stati:./site", did you mean "static"?');
  fs.writeFileSync(path.join(tmp, 'app:v2.mjs'), 'export default () => {};\n');
  t.deepEqual(parseTarget('app:v2.mjs', tmp, 'MODULE'), new Target('module', path.join(tmp, 'app:v2.mjs')));
  // A relative path with a colon later on is no kind at all.
  t.regex(t.throws(() => parseTarget('./a:b.mjs', tmp, 'MODULE'))!.message, /no such file/);
});

test('a config file and flags share the checks: same value, same verdict', (t) => {
  const flags = validateConfig(parseCliArgs(['--port', '8081', '--log-format', 'json']).options, cliLabel, tmp);
  const file = validateConfig({ port: 8081, logFormat: 'json' }, (k) => `c.json: "${k}"`, tmp);
  t.deepEqual(flags, file);
  t.throws(() => validateConfig(parseCliArgs(['--log-format', 'jsno']).options, cliLabel, tmp), { message: '--log-format must be one of combined, json, got "jsno", did you mean "json"?' });
  t.throws(() => validateConfig({ logFormat: 'jsno' }, (k) => `c.json: "${k}"`, tmp), { message: 'c.json: "logFormat" must be one of combined, json, got "jsno", did you mean "json"?' });
});
