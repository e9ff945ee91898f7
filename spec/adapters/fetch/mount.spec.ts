// Fetch apps under a mount prefix work unchanged: the prefix is left out of the
// URL they see (the default), told in X-Forwarded-Prefix and info, and their
// Location fields are put back below it (prefix-location.ts), so a client
// following Hono's c.redirect('/x') under /hono lands on /hono/x. With
// stripPrefix: false the app sees, and answers, full URLs untouched.

import test from 'ava';
import path from 'node:path';
import { Hono } from 'hono';
import { fetch, request } from 'undici';
import { fetchApp } from '../../../adapters/fetch/index.js';
import { prefixedLocation } from '../../../adapters/fetch/prefix-location.js';
import { startServer } from '../../helpers/server.js';
import { REPO, startCli } from '../../helpers/cli.js';

const rootApp = (): Hono => {
  const app = new Hono();
  app.get('/', (c) => c.text(`root ${c.req.path} prefix=${c.req.header('x-forwarded-prefix') ?? ''}`));
  app.get('/go', (c) => c.redirect('/x'));
  app.get('/x', (c) => c.text(`x ${c.req.path}`));
  app.get('/abs', (c) => Response.redirect(new URL('/x?q=1', c.req.url), 302));
  app.get('/known', (c) => c.redirect(`${c.req.header('x-forwarded-prefix')}/x`));
  app.get('/away', (c) => c.redirect('https://elsewhere.test/x'));
  app.get('/rel', (c) => c.redirect('x'));
  app.post('/made', (c) => c.body(null, 201, { location: '/items/7' }));
  app.get('/stream', () => new Response(new ReadableStream({ start: (ctl) => { ctl.enqueue(new TextEncoder().encode('s')); ctl.close(); } }), { status: 303, headers: { location: '/x' } }));
  return app;
};

test('a Hono app written for "/" answers under /hono; c.redirect("/x") lands the client on /hono/x', async (t) => {
  const { url } = await startServer(t, { mounts: { '/hono': fetchApp(rootApp()) } });
  t.is(await (await request(`${url}/hono/`)).body.text(), 'root / prefix=/hono');
  t.is(await (await request(`${url}/hono`)).body.text(), 'root / prefix=/hono');
  const go = await request(`${url}/hono/go`);
  await go.body.text();
  t.is(go.statusCode, 302);
  t.is(go.headers['location'], '/hono/x');
  const followed = await fetch(`${url}/hono/go`);
  t.is(followed.url, `${url}/hono/x`);
  t.is(await followed.text(), 'x /x');
});

test('Location, stripped: absolute paths and same-origin URLs get the prefix; ones already below it, other origins and relative ones do not', async (t) => {
  const { url } = await startServer(t, { mounts: { '/hono': fetchApp(rootApp()) } });
  const location = async (p: string, method = 'GET'): Promise<unknown> => {
    const r = await request(`${url}/hono${p}`, { method });
    await r.body.text();
    return r.headers['location'];
  };
  t.is(await location('/abs'), `${url}/hono/x?q=1`);
  t.is(await location('/known'), '/hono/x');
  t.is(await location('/away'), 'https://elsewhere.test/x');
  t.is(await location('/rel'), 'x');
  t.is(await location('/made', 'POST'), '/hono/items/7');
  t.is(await location('/stream'), '/hono/x', 'a streamed Response too');
});

test('stripPrefix: false: the app sees the full URL and its Location goes out as it wrote it', async (t) => {
  const app = new Hono().basePath('/hono');
  app.get('/', (c) => c.text(`${c.req.path} ${c.req.header('x-forwarded-prefix') ?? '-'}`));
  app.get('/go', (c) => c.redirect('/x'));
  const { url } = await startServer(t, { mounts: { '/hono': fetchApp(app, { stripPrefix: false }) } });
  t.is(await (await request(`${url}/hono`)).body.text(), '/hono -');
  const go = await request(`${url}/hono/go`);
  await go.body.text();
  t.is(go.headers['location'], '/x');
});

test('prefixedLocation, case by case', (t) => {
  const base = 'http://h.test/a';
  const cases: Array<[string, string]> = [
    ['/x', '/p/x'],
    ['/', '/p/'],
    ['/x?y#z', '/p/x?y#z'],
    ['/p', '/p'],
    ['/p/x', '/p/x'],
    ['/p?q', '/p?q'],
    ['/px', '/p/px'],
    ['//other.test/x', '//other.test/x'],
    ['/\\other.test/x', '/\\other.test/x'],
    ['x', 'x'],
    ['../x', '../x'],
    ['?q', '?q'],
    ['http://h.test/x', 'http://h.test/p/x'],
    ['HTTP://H.TEST/x', 'http://h.test/p/x'],
    ['http://h.test/p/x', 'http://h.test/p/x'],
    ['http://h.test:81/x', 'http://h.test:81/x'],
    ['https://h.test/x', 'https://h.test/x'],
    ['mailto:a@h.test', 'mailto:a@h.test'],
  ];
  for (const [input, expected] of cases) t.is(prefixedLocation(input, '/p', base), expected, input);
});

test.serial('the CLI: --mount /hono=./app.mjs serves a Hono app written for "/" (not {"notFound":...} 404s)', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--mount', '/hono=./hono-root.mjs'], { cwd: path.join(REPO, 'spec/gateway/cli-fixtures') });
  const root = await request(`${cli.url}/hono/`);
  t.is(root.statusCode, 200);
  t.is(await root.body.text(), 'root / prefix=/hono');
  const followed = await fetch(`${cli.url}/hono/go`);
  t.is(followed.url, `${cli.url}/hono/x`);
  t.is(await followed.text(), 'x /x');
});
