// What counts as a Fetch app (module-handler.ts): handler functions, objects
// with fetch() (methods that use `this` included), and the errors for the rest.

import test from 'ava';
import { request } from 'undici';
import { Hono } from 'hono';
import { FetchAdapterError, fetchApp, isFetchApp, toFetchHandler } from '../../../adapters/fetch/index.js';
import { startServer } from '../../helpers/server.js';
import { serveFetch } from './helpers.js';

test('isFetchApp: objects and functions with fetch(), not plain handlers or other values', (t) => {
  t.true(isFetchApp(new Hono()));
  t.true(isFetchApp({ fetch: () => new Response('x') }));
  t.true(isFetchApp(Object.assign(() => null, { fetch: () => new Response('x') })));
  t.false(isFetchApp(() => new Response('x')));
  t.false(isFetchApp(null));
  t.false(isFetchApp({ fetch: 'no' }));
  t.false(isFetchApp('fetch'));
});

test('toFetchHandler: a function is itself; fetch() is bound to its object', async (t) => {
  const fn = (): Response => new Response('fn');
  t.is(toFetchHandler(fn), fn);
  const worker = {
    greeting: 'bound',
    fetch(this: { greeting: string }) {
      return new Response(this.greeting);
    },
  };
  const handler = toFetchHandler(worker);
  const info = {} as Parameters<typeof handler>[1];
  t.is(await (await handler(new Request('http://x/'), info, info)).text(), 'bound');
});

test('toFetchHandler and fetchApp refuse anything else with ERR_NOT_FETCH_APP', (t) => {
  for (const bad of [null, undefined, 42, 'app', { handle() {} }]) {
    const err = t.throws(() => toFetchHandler(bad), { instanceOf: FetchAdapterError });
    t.is((err as FetchAdapterError).code, 'ERR_NOT_FETCH_APP');
  }
  t.throws(() => fetchApp({} as never), { instanceOf: FetchAdapterError });
});

test('a Workers-style module object is served, `this` intact', async (t) => {
  const worker = {
    prefix: 'worker says',
    async fetch(this: { prefix: string }, req: Request) {
      return new Response(`${this.prefix} ${new URL(req.url).pathname}`);
    },
  };
  const { url } = await serveFetch(t, worker);
  t.is(await (await request(`${url}/f/hi`)).body.text(), 'worker says /hi');
});

test('a Hono app object is served as it is (export default app)', async (t) => {
  const app = new Hono();
  app.get('/', (c) => c.text('root'));
  const { url } = await startServer(t, { app: fetchApp(app) });
  t.is(await (await request(url)).body.text(), 'root');
});
