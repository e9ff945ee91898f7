// The light Response (light-response.ts), installed as the global Response for
// this whole test process: its own checks, then every response-side, Hono and
// streaming spec of the adapter run again (imported below) with it in place,
// so a Response built by a handler or by Hono is a light one.

import test from 'ava';
import { request } from 'undici';
import { LightResponse, installLightResponse } from '../../../adapters/fetch/index.js';
import { serveFetch } from './helpers.js';
import './write-response.spec.js';
import './hono.spec.js';
import './body-pump.spec.js';
import './build-request.spec.js';

const NativeResponse = globalThis.Response;
installLightResponse();

test('light: installed, instanceof holds both ways, Response.json() still works', (t) => {
  t.is(globalThis.Response, LightResponse as unknown as typeof Response);
  const light = new Response('x');
  t.true(LightResponse.is(light));
  t.true(light instanceof Response);
  t.true(light instanceof NativeResponse);
  t.true(new NativeResponse('y') instanceof Response);
  t.true(Response.json({ a: 1 }) instanceof Response);
  t.is(Object.prototype.toString.call(light), '[object Response]');
});

test('light: checks its arguments as Response does', (t) => {
  t.throws(() => new Response('x', { status: 100 }), { instanceOf: RangeError });
  t.throws(() => new Response('x', { status: 204 }), { instanceOf: TypeError });
  t.throws(() => new Response('x', { statusText: 'bad\r\nline' }), { instanceOf: TypeError });
  t.notThrows(() => new Response(null, { status: 204 }));
});

test('light: status, headers and body read back as from a real Response', async (t) => {
  const r = new Response('héllo', { status: 201, statusText: 'Made', headers: { 'X-A': '1' } });
  t.is(r.status, 201);
  t.is(r.statusText, 'Made');
  t.true(r.ok);
  t.is(r.headers.get('x-a'), '1');
  t.is(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  const clone = r.clone();
  t.is(await r.text(), 'héllo');
  t.true(r.bodyUsed);
  t.is(await clone.text(), 'héllo');
  const bytes = new Response(new Uint8Array([1, 2]));
  t.is(bytes.headers.get('content-type'), null);
  t.deepEqual(new Uint8Array(await bytes.arrayBuffer()), new Uint8Array([1, 2]));
  const copy = new Response(null, new Response('z', { status: 202, headers: { 'x-b': '2' } }));
  t.is(copy.status, 202);
  t.is(copy.headers.get('x-b'), '2');
});

test('light: headers changed after construction reach the wire; a body read by the handler is refused', async (t) => {
  const { url, errors } = await serveFetch(t, async (req) => {
    const r = new Response(`path ${new URL(req.url).pathname}`, { headers: { 'content-type': 'text/x-mine' } });
    r.headers.append('set-cookie', 'a=1');
    r.headers.append('set-cookie', 'b=2');
    if (req.url.endsWith('/used')) await r.text();
    return r;
  });
  const res = await request(`${url}/f/ok`);
  t.is(await res.body.text(), 'path /ok');
  t.is(res.headers['content-type'], 'text/x-mine');
  t.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  const used = await request(`${url}/f/used`);
  t.is(used.statusCode, 500);
  await used.body.text();
  t.true(errors.some((e) => e.includes('FetchAdapterError')));
});
