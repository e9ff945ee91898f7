// validateConfig and mergeConfig as functions: every key's check, the labels
// in messages (flag names for argv, file and key for config files), paths
// resolved against the right folder.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfigFile, mergeConfig, validateConfig, type Labeler } from '../../gateway/config.js';
import { cliLabel, parseCliArgs } from '../../gateway/cli-args.js';
import { Target } from '../../gateway/target.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-config-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));
fs.writeFileSync(path.join(tmp, 'app.mjs'), 'export default () => {};\n');
fs.mkdirSync(path.join(tmp, 'www'));
const fileLabel: Labeler = (key) => `portico.json: "${key}"`;

const rejects = (t: import('ava').ExecutionContext, raw: unknown, message: RegExp, label: Labeler = fileLabel): void => {
  const err = t.throws(() => validateConfig(raw, label, tmp), { instanceOf: ConfigError });
  t.regex(err!.message, message);
  t.false(err!.message.includes('\n'));
  t.is(err!.code, 'ERR_PORTICO_CONFIG');
};

test('a full config passes, with paths resolved against the base folder', (t) => {
  const fn = () => ({ status: 200 });
  const c = validateConfig({
    port: 8080, host: '0.0.0.0', socket: 'x.sock', kind: 'fetch', workers: 4, logFormat: 'json',
    accessLog: 'logs/access.log', status: '/_status', proxyProtocol: true, compression: { threshold: 1 },
    limits: { maxHeaderBytes: 1000 }, timeouts: { keepAliveMs: 1 }, maxConnections: 10, shutdownTimeoutMs: 0,
    allowConnect: false, errorPages: {}, logger: { error() {} },
    mounts: { '/a': fn, '/b': 'static:www', '/c': { app: './app.mjs', methods: ['GET'], host: 'x', maxBodyBytes: 5, responseTimeoutMs: 1000 } },
    app: 'proxy:http://127.0.0.1:9',
  }, fileLabel, tmp);
  t.is(c.port, 8080);
  t.is(c.accessLog, path.join(tmp, 'logs/access.log'));
  t.is(c.mounts!['/a'], fn);
  t.deepEqual(c.mounts!['/b'], new Target('static', path.join(tmp, 'www')));
  const mc = c.mounts!['/c'] as { app: Target; methods: string[] };
  t.deepEqual(mc.app, new Target('module', path.join(tmp, 'app.mjs')));
  t.deepEqual(mc.methods, ['GET']);
  t.deepEqual(c.app, new Target('proxy', 'http://127.0.0.1:9'));
  t.is(String(c.app), 'proxy:http://127.0.0.1:9');
});

test('flag values arrive as strings and are converted by the same checks', (t) => {
  const args = parseCliArgs(['--port', '8081', '--workers', '3', '--proxy-protocol', '--mount', '/w=static:www', 'app.mjs']);
  const c = validateConfig(args.options, cliLabel, tmp);
  t.is(c.port, 8081);
  t.is(c.workers, 3);
  t.true(c.proxyProtocol);
  t.deepEqual(c.app, new Target('module', path.join(tmp, 'app.mjs')));
  t.deepEqual(c.mounts, { '/w': new Target('static', path.join(tmp, 'www')) });
});

test('type errors name the key and the value', (t) => {
  rejects(t, { port: -1 }, /^portico\.json: "port" must be an integer from 0 to 65535, got -1$/);
  rejects(t, { port: 1.5 }, /"port" must be an integer/);
  rejects(t, { host: '' }, /"host" must be a non-empty string, got ""/);
  rejects(t, { host: 5 }, /"host" must be a non-empty string, got 5/);
  rejects(t, { allowConnect: 'yes' }, /"allowConnect" must be true or false, got "yes"/);
  rejects(t, { proxyProtocol: 'v2' }, /"proxyProtocol" must be true, false or an options object/);
  rejects(t, { compression: 1 }, /"compression" must be true, false or an options object/);
  rejects(t, { limits: [] }, /"limits" must be an object, got an array/);
  rejects(t, { logger: {} }, /"logger" must be an object with an error\(\) method/);
  rejects(t, { tls: { key: 'k' } }, /"tls" needs "key" and "cert"/);
  rejects(t, { maxConnections: 0 }, /"maxConnections" must be a positive integer, got 0/);
  rejects(t, { mounts: null }, /"mounts" must be an object, got null/);
  rejects(t, { mounts: { api: './app.mjs' } }, /mount prefix must start with "\/", got "api"/);
  rejects(t, { mounts: { '/x': { methods: ['GET'] } } }, /"mounts"\["\/x"\]: missing "app"/);
  rejects(t, { mounts: { '/x': { app: './app.mjs', methods: 'GET' } } }, /"mounts"\["\/x"\]\.methods must be an array of method names/);
  rejects(t, { mounts: { '/x': { app: './app.mjs', responseTimeoutMs: -1 } } }, /"mounts"\["\/x"\]\.responseTimeoutMs must be a non-negative integer, got -1/);
  rejects(t, { mounts: { '/x': 42 } }, /"mounts"\["\/x"\] must be an object, got 42/);
  rejects(t, { app: 'static:' }, /static: needs a directory/);
  rejects(t, { app: 'proxy:not a url' }, /proxy: needs an http\(s\) URL/);
  rejects(t, { app: '' }, /"app": empty target/);
  rejects(t, { tlsKey: './app.mjs' }, /"tlsKey" needs portico\.json: "tlsCert" too/);
  rejects(t, 'port=80', /must be an object, got "port=80"/);
});

// Issue 13 (6): a key close to a known one gets "did you mean"; the others, the list of known ones.
test('unknown keys are refused with a suggestion, or the list of known ones', (t) => {
  rejects(t, { Port: 80 }, /^portico\.json: "Port": unknown option, did you mean "port"\?$/);
  rejects(t, { shutdownTimeout: 80 }, /^portico\.json: "shutdownTimeout": unknown option, did you mean "shutdownTimeoutMs"\?$/);
  rejects(t, { zzz: 80 }, /^portico\.json: "zzz": unknown option \(known: port, host, path, socket, tls, app, mounts, /);
  rejects(t, { timeouts: { idleMs: 1 } }, /"timeouts": unknown key "idleMs" \(known: headersMs, keepAliveMs, bodyMs, sendMs/);
  rejects(t, { limits: { maxBodyByte: 1 } }, /"limits": unknown key "maxBodyByte", did you mean "maxBodyBytes"\?$/);
  rejects(t, { mounts: { '/x': { app: './app.mjs', method: ['GET'] } } }, /"mounts"\["\/x"\]: unknown key "method", did you mean "methods"\?$/);
  rejects(t, { kind: 'fecth' }, /"kind" must be one of node, fetch, native, got "fecth", did you mean "fetch"\?$/);
});

test('undefined values are skipped (flags not given)', (t) => {
  t.deepEqual(validateConfig({ port: undefined, host: '::' }, cliLabel, tmp), { host: '::' });
});

test('mergeConfig: flags win, mount tables merge by prefix', (t) => {
  const a = () => undefined;
  const b = () => undefined;
  const c = () => undefined;
  const merged = mergeConfig({ port: 1, host: 'h', mounts: { '/x': a, '/y': b } }, { port: 2, mounts: { '/y': c } });
  t.deepEqual(merged, { port: 2, host: 'h', mounts: { '/x': a, '/y': c } });
  t.deepEqual(mergeConfig({ mounts: { '/x': a } }, {}), { mounts: { '/x': a } });
});

test('loadConfigFile: JSON, ES module default export, and their errors', async (t) => {
  const json = path.join(tmp, 'c.json');
  fs.writeFileSync(json, JSON.stringify({ port: 9, mounts: { '/': 'app.mjs' } }));
  const c = await loadConfigFile(json);
  t.is(c.port, 9);
  t.deepEqual(c.mounts!['/'], new Target('module', path.join(tmp, 'app.mjs')));
  const mjs = path.join(tmp, 'c.mjs');
  fs.writeFileSync(mjs, "export default { host: '::1', status: '/s' };\n");
  t.deepEqual(await loadConfigFile(mjs), { host: '::1', status: '/s' });
  const nul = path.join(tmp, 'null.json');
  fs.writeFileSync(nul, 'null');
  await t.throwsAsync(loadConfigFile(nul), { instanceOf: ConfigError, message: /null\.json: must hold an object, got null/ });
});
