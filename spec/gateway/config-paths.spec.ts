// Paths in a config file, with the CLI started from another directory: TARGET
// strings, tlsCert/tlsKey, accessLog and the listening socket resolve against
// the file's folder; file: URLs (`new URL('./x', import.meta.url)`) are taken
// as they are, wherever a path goes, the adapters' own options included. A
// relative string given to an adapter resolves against the working directory,
// and the error says so when nothing is there.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { REPO, runCliToEnd, startCli } from '../helpers/cli.js';
import { needs } from '../helpers/system-program.js';

const { test: withOpenssl, paths } = needs('openssl');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-config-paths-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The adapters, imported by absolute URL: a config outside the clone cannot name "portico". */
const adapter = (name: string): string => pathToFileURL(path.join(REPO, `dist/adapters/${name}/index.js`)).href;

/** A project folder: a site, a CGI program, an app module; and an empty folder to start the CLI from. */
const project = (name: string): { dir: string; elsewhere: string } => {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'site'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'cgi'));
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<p>the site</p>\n');
  fs.writeFileSync(path.join(dir, 'cgi', 'hi.sh'), "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\ncgi says hi\\n'\n", { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'app.mjs'), "export const porticoKind = 'native';\nexport default () => ({ status: 200, body: 'the app\\n' });\n");
  const elsewhere = path.join(tmp, name + '-elsewhere');
  fs.mkdirSync(elsewhere);
  return { dir, elsewhere };
};

withOpenssl('a config module with file: URLs in every path serves the same from any directory', async (t) => {
  const { dir, elsewhere } = project('urls');
  const { execFileSync } = await import('node:child_process');
  execFileSync(paths.openssl!, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'portico.config.mjs'), [
    `import { staticApp } from '${adapter('static')}';`,
    `import { cgiApp } from '${adapter('cgi')}';`,
    'const here = (p) => new URL(p, import.meta.url);',
    'export default {',
    "  port: 0,",
    "  tlsCert: here('./cert.pem'),",
    "  tlsKey: here('./key.pem'),",
    "  accessLog: here('./logs/access.log'),",
    '  mounts: {',
    "    '/app': here('./app.mjs'),",
    "    '/folder': here('./site/'),",
    "    '/files': staticApp({ root: here('./site') }),",
    "    '/cgi': cgiApp({ root: here('./cgi') }),",
    '  },',
    '};',
  ].join('\n'));
  const cli = await startCli(t, ['--config', path.join(dir, 'portico.config.mjs')], { cwd: elsewhere });
  t.regex(cli.url, /^https:/);
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  t.teardown(() => agent.close());
  const get = async (p: string) => {
    const res = await request(cli.url + p, { dispatcher: agent });
    return { status: res.statusCode, body: await res.body.text() };
  };
  t.deepEqual(await get('/app/'), { status: 200, body: 'the app\n' });
  t.deepEqual(await get('/folder/'), { status: 200, body: '<p>the site</p>\n' });
  t.deepEqual(await get('/files/'), { status: 200, body: '<p>the site</p>\n' });
  t.deepEqual(await get('/cgi/hi.sh'), { status: 200, body: 'cgi says hi\n' });
  const log = path.join(dir, 'logs', 'access.log');
  for (let i = 0; i < 50 && !(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('/cgi/hi.sh')); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(fs.readFileSync(log, 'utf8'), /"GET \/cgi\/hi\.sh HTTP\/1\.1" 200/);
  t.false(fs.existsSync(path.join(elsewhere, 'logs')));
});

test('relative strings in a config file resolve against its folder: TARGETs, accessLog and the socket', async (t) => {
  const { dir, elsewhere } = project('strings');
  fs.writeFileSync(path.join(dir, 'portico.json'), JSON.stringify({
    socket: './portico.sock',
    accessLog: './logs/access.log',
    mounts: { '/': 'static:./site', '/app': './app.mjs', '/cgi': 'cgi:./cgi' },
  }));
  const cli = await startCli(t, ['--config', path.join(dir, 'portico.json')], { cwd: elsewhere });
  const socketPath = path.join(dir, 'portico.sock');
  t.true(cli.url.includes(socketPath), cli.url);
  const agent = new Agent({ connect: { socketPath } });
  t.teardown(() => agent.close());
  const get = async (p: string) => {
    const res = await request('http://localhost' + p, { dispatcher: agent });
    return { status: res.statusCode, body: await res.body.text() };
  };
  t.deepEqual(await get('/'), { status: 200, body: '<p>the site</p>\n' });
  t.deepEqual(await get('/app'), { status: 200, body: 'the app\n' });
  t.deepEqual(await get('/cgi/hi.sh'), { status: 200, body: 'cgi says hi\n' });
  const log = path.join(dir, 'logs', 'access.log');
  for (let i = 0; i < 50 && !fs.existsSync(log); i++) await new Promise((r) => setTimeout(r, 100));
  t.true(fs.existsSync(log));
});

test("a relative string given to an adapter in a config module is the working directory's, and the error says how to name the file's own", async (t) => {
  const { dir, elsewhere } = project('adapter-string');
  fs.writeFileSync(path.join(dir, 'portico.config.mjs'), `import { staticApp } from '${adapter('static')}';\nexport default { mounts: { '/': staticApp({ root: './site' }) } };\n`);
  const run = await runCliToEnd(['--config', path.join(dir, 'portico.config.mjs'), '--port', '0'], { cwd: elsewhere });
  t.not(run.status, 0);
  const text = run.stderr.join('\n');
  t.true(text.includes(path.join(elsewhere, 'site')), text);
  t.true(text.includes(`resolves against the working directory, ${elsewhere}`), text);
  t.true(text.includes('new URL("./site", import.meta.url)'), text);
});
