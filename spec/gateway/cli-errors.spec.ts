// Every startup error of the CLI is exactly one line on stderr, starting
// "portico: ", naming what is wrong, and exit status 2: never a stack trace.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO, runCliToEnd } from '../helpers/cli.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cli-errors-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

const failsWith = test.macro(async (t, args: string[] | ((t: ExecutionContext) => Promise<string[]>), expected: RegExp) => {
  const argv = typeof args === 'function' ? await args(t) : args;
  const r = await runCliToEnd(argv);
  t.is(r.status, 2, `stderr: ${r.stderr.join('\n')}`);
  t.is(r.stderr.length, 1, `exactly one line, got:\n${r.stderr.join('\n')}`);
  t.regex(r.stderr[0]!, /^portico: /);
  t.regex(r.stderr[0]!, expected);
  t.notRegex(r.stderr[0]!, /\n|\s+at \S+ \(/);
  t.deepEqual(r.stdout, []);
});

test('unknown flag', failsWith, ['--bogus'], /unknown option --bogus/);
test('unknown short flag', failsWith, ['-z'], /unknown option -z/);
test('--port not a number', failsWith, ['--port', 'abc', `${FIX}/native.mjs`], /--port must be an integer from 0 to 65535, got "abc"/);
test('--port out of range', failsWith, ['--port', '70000', `${FIX}/native.mjs`], /--port must be an integer from 0 to 65535, got 70000/);
test('--port without its value', failsWith, ['--port'], /--port needs a value/);
test('a boolean flag given a value', failsWith, ['--proxy-protocol=yes', `${FIX}/native.mjs`], /--proxy-protocol takes no value/);
test('--workers 0', failsWith, ['--workers', '0', `${FIX}/native.mjs`], /--workers must be an integer from 1 to 1024, got 0/);
test('--kind unknown', failsWith, ['--kind', 'wsgi', `${FIX}/native.mjs`], /--kind must be one of node, fetch, native, got "wsgi"/);
test('--log-format unknown', failsWith, ['--log-format', 'xml', `${FIX}/native.mjs`], /--log-format must be one of combined, json, got "xml"/);
test('--status not a path', failsWith, ['--status', 'status', `${FIX}/native.mjs`], /--status must be a path like \/status, got "status"/);
test('two modules', failsWith, [`${FIX}/native.mjs`, `${FIX}/fetch.mjs`], /only one MODULE may be given/);
test('--mount without "="', failsWith, ['--mount', '/api'], /--mount must be PREFIX=TARGET/);
test('--mount prefix without "/"', failsWith, ['--mount', 'api=./x.mjs'], /--mount must be PREFIX=TARGET with PREFIX starting with "\/"/);
test('missing module', failsWith, ['./no-such-app.mjs'], /MODULE: no such file: .*no-such-app\.mjs/);
test('a directory forced to a module kind', failsWith, [`node:${FIX}`], /MODULE: is a directory, not a module/);
test('static: missing directory', failsWith, ['--mount', '/=static:./no-such-dir'], /--mount\["\/"\]: no such directory: .*no-such-dir/);
test('cgi: a file, not a directory', failsWith, ['--mount', `/cgi=cgi:${FIX}/native.mjs`], /not a directory/);
test('proxy: not an http URL', failsWith, ['--mount', '/p=proxy:ftp://example.com'], /proxy: needs an http\(s\) URL, got "ftp:\/\/example.com"/);
test('--tls-cert missing file', failsWith, ['--tls-cert', './nope.pem', '--tls-key', './nope.key', `${FIX}/native.mjs`], /--tls-cert: no such file: .*nope\.pem/);
test('--tls-cert without --tls-key', failsWith, ['--tls-cert', `${FIX}/native.mjs`, `${FIX}/native.mjs`], /--tls-cert needs --tls-key too/);
test('nothing to serve', failsWith, [], /nothing to serve/);
test('a module that is not an app', failsWith, [`${FIX}/not-an-app.mjs`], /mount \/: the default export of .*not-an-app\.mjs is not an app/);
test('a module without a default export', failsWith, [`${FIX}/no-default.mjs`], /has no default export/);
test('a module that throws while loading', failsWith, [`${FIX}/throws.mjs`], /cannot load .*throws\.mjs: this module fails to load \(at .*throws\.mjs:1:7\)$/);
test('a bad porticoKind marker', failsWith, async () => [write('bad-marker.mjs', "export const porticoKind = 'wsgi'; export default () => {};")], /porticoKind must be "node", "fetch" or "native", got "wsgi"/);
test('--access-log in a missing directory', failsWith, ['--access-log', '/no/such/dir/access.log', `${FIX}/native.mjs`], /--access-log: cannot open \/no\/such\/dir\/access\.log: ENOENT/);

test('--config missing file', failsWith, ['--config', './no-such-config.json'], /--config: no such file: .*no-such-config\.json/);
// An invalid JSON file also shows its line and a caret: spec/gateway/module-error.spec.ts.
test('--config empty JSON', failsWith, async () => ['--config', write('empty.json', '')], /empty\.json: not valid JSON \(Unexpected end of JSON input\)$/);
test('--config not an object', failsWith, async () => ['--config', write('array.json', '[1, 2]')], /array\.json: must hold an object, got an array/);
// Issue 13 (6): a mistyped key or flag gets "did you mean"; one far from every known key gets the list.
test('--config unknown key', failsWith, async () => ['--config', write('unknown.json', '{ "prot": 8080 }')], /unknown\.json: "prot": unknown option, did you mean "port"\?$/);
test('--config unknown key, nothing close', failsWith, async () => ['--config', write('unknown2.json', '{ "colour": "red" }')], /unknown2\.json: "colour": unknown option \(known: port, host/);
test('mistyped flag', failsWith, ['--prot', '8080'], /unknown option --prot, did you mean --port\? \(see portico --help\)$/);
test('abbreviated flag', failsWith, ['--work', '2'], /unknown option --work, did you mean --workers\?/);
test('mistyped target kind', failsWith, ['--mount', '/=stati:./site'], /--mount\["\/"\]: unknown kind "stati" in "stati:\.\/site", did you mean "static"\?$/);
test('unknown target kind, nothing close', failsWith, ['wsgi:./app.py'], /MODULE: unknown kind "wsgi" in "wsgi:\.\/app\.py" \(known: node, fetch, native, cgi, static, proxy, php, fcgi\)$/);
test('mistyped --kind', failsWith, ['--kind', 'fecth', `${FIX}/native.mjs`], /--kind must be one of node, fetch, native, got "fecth", did you mean "fetch"\?$/);
test('--config wrong type', failsWith, ['--config', `${FIX}/bad-config.mjs`], /bad-config\.mjs: "port" must be an integer from 0 to 65535, got "eighty"/);
test('--config unknown nested key', failsWith, async () => ['--config', write('limits.json', '{ "limits": { "maxHeaderByte": 10 } }')], /limits\.json: "limits": unknown key "maxHeaderByte"/);
test('--config wrong nested type', failsWith, async () => ['--config', write('timeouts.json', '{ "timeouts": { "headersMs": "soon" } }')], /"timeouts"\.headersMs must be a non-negative integer, got "soon"/);
test('--config mount with an unknown option', failsWith, async () => ['--config', write('mountopt.json', `{ "mounts": { "/a": { "app": "${FIX}/native.mjs", "method": ["GET"] } } }`)], /"mounts"\["\/a"\]: unknown key "method"/);
test('--config mount target missing', failsWith, async () => ['--config', write('target.json', '{ "mounts": { "/a": "./missing.mjs" } }')], /"mounts"\["\/a"\]: no such file: .*missing\.mjs/);
test('--config module without default export', failsWith, ['--config', `${FIX}/no-default.mjs`], /no-default\.mjs: has no default export/);
test('--config module that throws', failsWith, ['--config', `${FIX}/throws.mjs`], /throws\.mjs: cannot load: this module fails to load \(at .*throws\.mjs:1:7\)$/);

test('port already in use', failsWith, async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  t.teardown(() => void blocker.close());
  return ['--port', String(port), `${FIX}/native.mjs`];
}, /port \d+ on 127\.0\.0\.1 is already in use/);

test('unix socket path already in use', failsWith, async (t) => {
  const sock = path.join(tmp, 'busy.sock');
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(sock, resolve));
  t.teardown(() => void blocker.close());
  return ['--socket', sock, `${FIX}/native.mjs`];
}, /socket .*busy\.sock is already in use/);

test('--workers: port in use is still one line', failsWith, async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  t.teardown(() => void blocker.close());
  return ['--workers', '2', '--port', String(port), `${FIX}/native.mjs`];
}, /port \d+ on 127\.0\.0\.1 is already in use/);
