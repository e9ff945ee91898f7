// App kind detection and wrapping (gateway/load-app.ts), as functions: the
// shape rules, the marker, --kind, and the mount table loader.
import test from 'ava';
import path from 'node:path';
import { detectKind, firstParameter, loadModuleApp, loadMounts, wrapApp } from '../../gateway/load-app.js';
import { ConfigError } from '../../gateway/config-error.js';
import { Target } from '../../gateway/target.js';
import { REPO } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';
import { request } from 'undici';
import express from 'express';
import connect from 'connect';
import Koa from 'koa';
import { Hono } from 'hono';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

test('detectKind: the documented table', (t) => {
  t.is(detectKind({ fetch: () => new Response('') }), 'fetch');
  t.is(detectKind(new Hono()), 'fetch');
  t.is(detectKind(new Koa()), 'node');
  t.is(detectKind(express()), 'node');
  t.is(detectKind(connect()), 'node');
  t.is(detectKind((_req: unknown, _res: unknown) => {}), 'node');
  t.is(detectKind((_req: unknown, _res: unknown, _next: unknown) => {}), 'node');
  t.is(detectKind((_request: unknown) => {}), 'fetch');
  t.is(detectKind(() => {}), 'fetch');
  // Native apps name their first parameter env (as adapters' apps do).
  t.is(detectKind((env: unknown, _res: unknown) => env), 'native');
  t.is(detectKind(async function app(env: unknown) { return env; }), 'native');
  t.is(detectKind({ fetch: 1, callback: () => {} }), 'node');
  t.is(detectKind(42), null);
  t.is(detectKind(null), null);
  t.is(detectKind({ handler() {} }), null);
  t.is(detectKind('app'), null);
});

test('firstParameter reads every function form', (t) => {
  t.is(firstParameter(function f(a: unknown, _b: unknown) { return a; }), 'a');
  t.is(firstParameter(async function (req: unknown) { return req; }), 'req');
  t.is(firstParameter(function* gen(x: unknown) { yield x; }), 'x');
  t.is(firstParameter(((env: unknown) => env) as (...a: unknown[]) => unknown), 'env');
  t.is(firstParameter(async (request: unknown) => request), 'request');
  t.is(firstParameter({ fetch(r: unknown) { return r; } }.fetch), 'r');
  t.is(firstParameter(() => 1), undefined);
  t.is(firstParameter(Math.max as unknown as (...a: unknown[]) => unknown), undefined);
  t.is(firstParameter(function () {}.bind(null)), undefined);
});

test('wrapApp refuses shapes that do not fit the kind asked for', async (t) => {
  await t.throwsAsync(wrapApp({}, 'native', 'mount /x'), { instanceOf: ConfigError, message: /mount \/x: a native app must be a function/ });
  await t.throwsAsync(wrapApp({}, 'node', 'mount /x'), { instanceOf: ConfigError, message: /a node app must be a \(req, res\) function/ });
  await t.throwsAsync(wrapApp({}, 'fetch', 'mount /x'), { instanceOf: ConfigError, message: /a fetch app must be/ });
});

test('the porticoKind marker decides, and a forced kind beats it', async (t) => {
  const native = await loadModuleApp(path.join(FIX, 'native.mjs'), undefined, 'MODULE');
  const { url } = await startServer(t, { mounts: { '/n': native, '/f': await loadModuleApp(path.join(FIX, 'native.mjs'), 'fetch', 'MODULE') } });
  const n = await request(url + '/n/a');
  t.regex(await n.body.text(), /^native \/n\|\/a\|/);
  const f = await request(url + '/f/a');
  t.is(f.statusCode, 500); // a native app's plain-object answer is not a Response
  await f.body.text();
});

test('loadMounts: targets, functions and mount options; wrap sees every loaded target', async (t) => {
  const seen: string[] = [];
  const fn = () => ({ status: 200, body: 'fn' });
  const table = await loadMounts(
    { '/a': fn, '/b': new Target('module', path.join(FIX, 'fetch.mjs')), '/c': { app: new Target('module', path.join(FIX, 'node.mjs')), methods: ['GET'] } },
    new Target('module', path.join(FIX, 'native.mjs')),
    undefined,
    (app, target) => (seen.push(String(target)), app),
  );
  t.deepEqual(Object.keys(table).sort(), ['/', '/a', '/b', '/c']);
  t.is(table['/a'], fn);
  t.deepEqual((table['/c'] as unknown as { methods: string[] }).methods, ['GET']);
  t.deepEqual(seen.sort(), [path.join(FIX, 'fetch.mjs'), path.join(FIX, 'native.mjs'), path.join(FIX, 'node.mjs')].sort());
  const { url } = await startServer(t, { mounts: table });
  t.is(await (await request(url + '/b/x')).body.text(), 'fetch /x', 'the prefix stripped, as for every mounted Fetch app');
  t.is(await (await request(url + '/c/x')).body.text(), 'node GET /x');
  const post = await request(url + '/c/x', { method: 'POST' });
  t.is(post.statusCode, 405);
  await post.body.text();
});

test('an adapter refusing its options is one ConfigError naming the mount', async (t) => {
  // staticApp checks its root when built; a file where a folder belongs is refused.
  const err = await t.throwsAsync(loadMounts({ '/s': new Target('static', path.join(FIX, 'native.mjs')) }, undefined, undefined));
  t.true(err instanceof ConfigError);
  t.regex(err!.message, /^mount \/s: /);
  t.false(err!.message.includes('\n'));
});
