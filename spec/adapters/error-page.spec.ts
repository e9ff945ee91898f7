// One error-page path (adapters/error-page.ts): every answer the server gives on
// an app's behalf — the static adapter's 403/404/405/416, CGI's 404/502/504, the
// proxy's 502/504, FastCGI's 502, the Fetch adapter's 400 and the gateway's own
// 404, 405, 413 and 504 — is the server's error page. Each case is asked of real servers
// over raw sockets: default HTML, default JSON (Accept: application/json), a page
// overridden per status, one overridden by `default`, and the same adapter run on
// an env made elsewhere (no 'portico.errorPage'), which falls back to the default.

import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { statusText } from '../../core/index.js';
import type { App, Env, MountTable, ServeOptions } from '../../gateway/index.js';
import type { ErrorInfo } from '../../gateway/error-pages.js';
import { staticApp } from '../../adapters/static/index.js';
import { cgiApp } from '../../adapters/cgi/index.js';
import { proxyApp } from '../../adapters/proxy/index.js';
import { fastcgiApp } from '../../adapters/fastcgi/index.js';
import { fetchApp } from '../../adapters/fetch/index.js';
import { exchange } from '../helpers/raw-client.js';
import { header, type RawResponse } from '../helpers/response-reader.js';
import { startServer } from '../helpers/server.js';
import { FIXTURES } from './cgi/helpers.js';
import { closedPort } from './proxy/upstream.js';
import { startFakeApp } from './fastcgi/fake-app.js';

interface Case {
  name: string;
  target: string;
  method?: string;
  fields?: Record<string, string>;
  status: number;
  code?: string;
  /** Fields the status needs, which every page keeps. */
  keeps?: Record<string, string>;
  /** The answer comes from the gateway itself: there is no adapter to run on a foreign env. */
  gateway?: boolean;
}

const CASES: Case[] = [
  { name: 'static 404', target: '/files/missing.txt', status: 404 },
  { name: 'static 403 (a dotfile)', target: '/files/.secret', status: 403 },
  { name: 'static 405', target: '/files/a.txt', method: 'DELETE', status: 405, keeps: { allow: 'GET, HEAD, OPTIONS' } },
  { name: 'static 416', target: '/files/a.txt', fields: { range: 'bytes=100-' }, status: 416, keeps: { 'content-range': 'bytes */5' } },
  { name: 'cgi 404', target: '/cgi/missing.sh', status: 404, code: 'ERR_CGI_NOT_FOUND' },
  { name: 'cgi 502 (no header block)', target: '/cgi/noheaders.sh', status: 502, code: 'ERR_CGI_NO_HEADERS', keeps: { 'cache-control': 'no-store' } },
  { name: 'cgi 504 (timeout)', target: '/cgi-timed/hang.sh', status: 504, code: 'ERR_CGI_TIMEOUT' },
  { name: 'proxy 502 (refused)', target: '/down/x', status: 502, code: 'ERR_PROXY_UPSTREAM', keeps: { 'cache-control': 'no-store' } },
  { name: 'proxy 504 (silent upstream)', target: '/silent/x', status: 504, code: 'ERR_PROXY_TIMEOUT' },
  { name: 'fastcgi 502 (no header block)', target: '/fcgi/app.php', status: 502, code: 'ERR_FCGI_NO_HEADERS' },
  { name: 'fetch 400 (a URL that cannot be parsed)', target: '/fetch/x', fields: { host: 'a:99999' }, status: 400, code: 'ERR_BAD_URL' },
  { name: 'gateway 404 (nothing mounted)', target: '/nowhere', status: 404, gateway: true },
  { name: 'gateway 405 (a mount for other methods)', target: '/get-only', method: 'DELETE', status: 405, keeps: { allow: 'GET, HEAD' }, gateway: true },
  { name: "gateway 413 (a body over the mount's limit)", target: '/small', method: 'POST', fields: { 'content-length': '100' }, status: 413, code: 'ERR_BODY_TOO_LARGE', gateway: true },
  { name: 'gateway 504 (response timeout)', target: '/slow', status: 504, code: 'ERR_RESPONSE_TIMEOUT', gateway: true },
];

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-error-page-'));
fs.mkdirSync(path.join(ROOT, 'files'));
fs.writeFileSync(path.join(ROOT, 'files', 'a.txt'), 'hello');
fs.writeFileSync(path.join(ROOT, 'files', '.secret'), 'no');
fs.mkdirSync(path.join(ROOT, 'php'));
fs.writeFileSync(path.join(ROOT, 'php', 'app.php'), '');

/** Runs `app` on a copy of the env without the server's error pages, as on an env made elsewhere. */
const foreign = (app: App): App => (env: Env, res) => app({ ...env, extensions: { ...env.extensions, 'portico.errorPage': undefined } }, res);

const silentUpstream = net.createServer(() => {});
await new Promise<void>((resolve) => silentUpstream.listen(0, '127.0.0.1', resolve));
const refusedPort = await closedPort();
const fake = await startFakeApp((_req, reply) => reply.end());
const closers: Array<{ close(): Promise<void> }> = [];

const mounts = (wrap: (app: App) => App): MountTable => {
  const silent = proxyApp({ upstream: `http://127.0.0.1:${(silentUpstream.address() as net.AddressInfo).port}`, timeoutMs: 300, logger: { error() {} } });
  const down = proxyApp({ upstream: `http://127.0.0.1:${refusedPort}`, logger: { error() {} } });
  const fcgi = fastcgiApp({ address: fake.address, root: path.join(ROOT, 'php'), logger: { error() {} } });
  closers.push(silent, down, fcgi);
  return {
    '/files': wrap(staticApp({ root: path.join(ROOT, 'files') })),
    // Only the hanging program's mount has a short timeout: a loaded machine may take longer to start the others.
    '/cgi': wrap(cgiApp({ root: FIXTURES, logger: { error() {} } })),
    '/cgi-timed': wrap(cgiApp({ root: FIXTURES, timeoutMs: 300, killGraceMs: 100, logger: { error() {} } })),
    '/down': wrap(down),
    '/silent': wrap(silent),
    '/fcgi': wrap(fcgi),
    '/fetch': wrap(fetchApp(() => new Response('unreached'))),
    '/slow': { app: () => new Promise<void>(() => {}), responseTimeoutMs: 200 },
    '/get-only': { app: () => ({ status: 200 }), methods: ['GET'] },
    '/small': { app: () => ({ status: 200 }), maxBodyBytes: 10 },
  };
};

const perStatus = Object.fromEntries(CASES.map((c) => [c.status, `<p>own ${c.status}</p>`]));
const byDefault = (info: ErrorInfo) => ({
  status: info.status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ mine: info.status, code: info.code ?? null, accept: info.accept ?? null }),
});

const serverWith = async (options: Partial<ServeOptions>, wrap: (app: App) => App = (app) => app) => {
  const s = await startServer(null, { mounts: mounts(wrap), ...options });
  closers.push(s.server);
  return s.port;
};
const plain = await serverWith({});
const ownPerStatus = await serverWith({ errorPages: perStatus });
const ownDefault = await serverWith({ errorPages: { default: byDefault } });
const elsewhere = await serverWith({ errorPages: { default: byDefault } }, foreign);

test.after.always(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await fake.close();
  silentUpstream.close();
  fs.rmSync(ROOT, { recursive: true, force: true });
});

const ask = async (port: number, c: Case, accept: string): Promise<RawResponse> => {
  const fields = { host: 'localhost', accept, connection: 'close', ...c.fields };
  const head = `${c.method ?? 'GET'} ${c.target} HTTP/1.1\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const { responses } = await exchange(port, head, { timeoutMs: 10_000 });
  if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
  return responses[0]!;
};

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';
const JSON_FIRST = 'application/json';

for (const c of CASES) {
  test(`${c.name}: the default page, HTML or JSON by Accept`, async (t) => {
    const [html, json] = await Promise.all([ask(plain, c, HTML), ask(plain, c, JSON_FIRST)]);
    t.is(html.status, c.status);
    t.is(header(html, 'content-type'), 'text/html; charset=utf-8');
    t.true(html.body.toString().includes(`<h1>${c.status} ${statusText(c.status)}</h1>`), html.body.toString());
    t.is(json.status, c.status);
    t.is(header(json, 'content-type'), 'application/json; charset=utf-8');
    const error = JSON.parse(json.body.toString()).error;
    t.is(error.status, c.status);
    t.is(typeof error.message, 'string');
    t.is(error.code, c.code);
    for (const [name, value] of Object.entries(c.keeps ?? {})) {
      t.is(header(html, name), value, name);
      t.is(header(json, name), value, name);
    }
  });

  test(`${c.name}: the user's page, per status or by default`, async (t) => {
    const [own, viaDefault] = await Promise.all([ask(ownPerStatus, c, JSON_FIRST), ask(ownDefault, c, JSON_FIRST)]);
    t.is(own.status, c.status);
    t.is(own.body.toString(), `<p>own ${c.status}</p>`);
    t.is(viaDefault.status, c.status);
    t.deepEqual(JSON.parse(viaDefault.body.toString()), { mine: c.status, code: c.code ?? null, accept: JSON_FIRST });
    for (const [name, value] of Object.entries(c.keeps ?? {})) {
      t.is(header(own, name), value, name);
      t.is(header(viaDefault, name), value, name);
    }
  });

  if (c.gateway) continue;
  test(`${c.name}: on an env made elsewhere, the adapter answers with the default page`, async (t) => {
    const [html, json] = await Promise.all([ask(elsewhere, c, HTML), ask(elsewhere, c, JSON_FIRST)]);
    t.is(html.status, c.status);
    t.true(html.body.toString().includes(`<h1>${c.status} ${statusText(c.status)}</h1>`));
    t.is(json.status, c.status);
    t.is(JSON.parse(json.body.toString()).error.code, c.code);
  });
}

test("a user's page that throws is logged and the default page answers", async (t) => {
  const { port, errors } = await startServer(t, {
    mounts: { '/files': staticApp({ root: path.join(ROOT, 'files') }) },
    errorPages: {
      404: () => {
        throw new Error('page bug');
      },
    },
  });
  const c: Case = { name: '', target: '/files/missing.txt', status: 404 };
  const [routed, fromAdapter] = await Promise.all([ask(port, { ...c, target: '/nowhere' }, JSON_FIRST), ask(port, c, JSON_FIRST)]);
  t.is(routed.status, 404);
  t.is(JSON.parse(routed.body.toString()).error.status, 404);
  t.is(fromAdapter.status, 404);
  t.is(JSON.parse(fromAdapter.body.toString()).error.status, 404);
  t.is(errors.filter((e) => e.startsWith('error page failed')).length, 2);
});
