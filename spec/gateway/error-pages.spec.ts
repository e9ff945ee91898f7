// Error pages (gateway/error-pages.ts): HTML by default, JSON when Accept
// prefers it, escaping, and overrides per status, by default, as a string or a
// function.

import test from 'ava';
import { defaultErrorPage, prefersJson, renderErrorPage } from '../../gateway/error-pages.js';
import { errorAnswer } from '../../adapters/error-page.js';
import type { Env } from '../../adapters/env.js';
import { startServer } from '../helpers/server.js';

test('HTML by default, escaped, with the status title', (t) => {
  const page = defaultErrorPage({ status: 404, message: '<script>x</script> & "q"', headers: { 'x-a': '1' } });
  t.is(page.status, 404);
  t.deepEqual(page.headers, { 'content-type': 'text/html; charset=utf-8', 'x-a': '1' });
  t.true(String(page.body).includes('<title>404 Not Found</title>'));
  t.true(String(page.body).includes('&#60;script&#62;x&#60;/script&#62; &#38; &#34;q&#34;'));
  t.false(String(page.body).includes('<script>'));
});

test('JSON when Accept ranks it first, with the code', (t) => {
  t.true(prefersJson('application/json'));
  t.true(prefersJson('application/json, text/html'));
  t.false(prefersJson('text/html, application/json'));
  t.false(prefersJson('*/*'));
  t.false(prefersJson(undefined));
  const page = defaultErrorPage({ status: 400, message: 'bad', code: 'ERR_BAD_HOST', accept: 'application/json' });
  t.deepEqual(JSON.parse(String(page.body)), { error: { status: 400, message: 'bad', code: 'ERR_BAD_HOST' } });
  const noCode = defaultErrorPage({ status: 500, message: 'x', accept: 'application/json' });
  t.deepEqual(JSON.parse(String(noCode.body)), { error: { status: 500, message: 'x' } });
});

test('overrides: per status, default, string or function', (t) => {
  const pages = {
    404: '<h1>gone</h1>',
    default: (info: { status: number; message: string }) => ({ status: info.status, body: `custom ${info.status}` }),
  };
  const notFound = renderErrorPage(pages, { status: 404, message: 'x', headers: { allow: 'GET' } });
  t.deepEqual(notFound, { status: 404, headers: { 'content-type': 'text/html; charset=utf-8', allow: 'GET' }, body: '<h1>gone</h1>' });
  const other = renderErrorPage(pages, { status: 405, message: 'x', headers: { allow: 'GET' } });
  t.deepEqual(other, { status: 405, headers: { allow: 'GET' }, body: 'custom 405' });
  t.is(renderErrorPage(undefined, { status: 500, message: 'x' }).status, 500);
});

test('the env carries the server logger and its error pages to adapters (errorAnswer)', async (t) => {
  const logged: string[] = [];
  const logger = { error: (message: string) => void logged.push(message) };
  const { url } = await startServer(t, {
    logger,
    errorPages: { 418: '<p>teapot page</p>' },
    app: (env) => {
      env.extensions['portico.logger']?.error('from the app');
      return errorAnswer(env, { status: 418, message: 'short and stout' });
    },
  });
  const html = await fetch(url + '/');
  t.is(html.status, 418);
  t.is(await html.text(), '<p>teapot page</p>');
  t.deepEqual(logged, ['from the app']);
  // Outside a server, the same default page, negotiated on Accept.
  const env = { headers: { accept: 'application/json' }, extensions: {} } as unknown as Env;
  t.deepEqual(JSON.parse(String(errorAnswer(env, { status: 502, message: 'down', code: 'ERR_X' }).body)), {
    error: { status: 502, message: 'down', code: 'ERR_X' },
  });
});
