// The demo's Fetch samples, mounted as samples/demo.mjs mounts them (the prefix
// stripped, the default): the Hono app at /hono and the plain handler, with its
// SSE, at /fetch.

import test from 'ava';
import { request } from 'undici';
import { fetchApp, type FetchModule, type FetchHandler } from '../../../adapters/fetch/index.js';
import { connect, wsUrl } from './ws-client.js';
import { startServer } from '../../helpers/server.js';

const SAMPLES = new URL('../../../../samples/', import.meta.url);

const load = async (name: string): Promise<unknown> => ((await import(new URL(name, SAMPLES).href)) as { default: unknown }).default;

test('samples/hono.mjs and samples/fetch.mjs answer under their demo mounts', async (t) => {
  const hono = (await load('hono.mjs')) as FetchModule;
  const plain = (await load('fetch.mjs')) as FetchHandler;
  const { url, errors } = await startServer(t, { mounts: { '/hono': fetchApp(hono), '/fetch': fetchApp(plain) } });
  t.is(await (await request(`${url}/hono/`)).body.text(), 'Hello Hono on Portico!\n');
  t.deepEqual(await (await request(`${url}/hono/users/3`)).body.json(), { id: '3', via: '127.0.0.1' });
  const visits = await request(`${url}/hono/visits`);
  t.is((visits.headers['set-cookie'] as string[]).length, 2);
  await visits.body.text();
  t.regex(await (await request(`${url}/fetch/`)).body.text(), /^Hello from a Fetch handler, 127\.0\.0\.1:\d+!/);
  t.is(await (await request(`${url}/fetch/echo`, { method: 'POST', body: 'echo me' })).body.text(), 'echo me');
  const sse = await request(`${url}/fetch/sse`);
  t.is(sse.headers['content-type'], 'text/event-stream');
  for await (const chunk of sse.body as AsyncIterable<Buffer>) {
    t.regex(chunk.toString(), /^id: 0\nevent: tick\ndata: \{"n":0,/);
    break;
  }
  sse.body.destroy();
  t.deepEqual(errors, []);
});

test('samples/fetch.mjs echoes over a WebSocket at /fetch/ws, and says so to a plain GET', async (t) => {
  const plain = (await load('fetch.mjs')) as FetchHandler;
  const { url, errors } = await startServer(t, { mounts: { '/fetch': fetchApp(plain) } });
  const c = await connect(wsUrl(url, '/fetch/ws'));
  t.regex((await c.next()).text, /^Hello from a Fetch handler over a WebSocket/);
  c.ws.send('ping?');
  t.is((await c.next()).text, 'ping?');
  c.ws.close();
  const get = await request(`${url}/fetch/ws`);
  t.is(get.statusCode, 426);
  await get.body.text();
  t.deepEqual(errors, []);
});
