// Koa's app.callback(), unmodified, on node:http and on Portico: the same
// requests, equal answers (see peers.ts for the fields left out).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Koa from 'koa';
import { assertSame, startPair } from './peers.js';

const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
};

const buildKoaApp = (file: string): Koa => {
  const app = new Koa({ keys: ['koa secret'] });
  app.silent = true;
  app.use(async (ctx, next) => {
    ctx.set('X-Seen-By', 'koa');
    await next();
  });
  app.use(async (ctx) => {
    switch (ctx.path) {
      case '/':
        ctx.body = 'hello koa';
        return;
      case '/json':
        ctx.body = { method: ctx.method, path: ctx.path, query: ctx.query, ip: ctx.ip, protocol: ctx.protocol };
        return;
      case '/echo':
        ctx.type = 'text/plain';
        ctx.body = `${ctx.method} ${await readAll(ctx.req)}`;
        return;
      case '/stream':
        ctx.type = 'text/plain';
        ctx.body = fs.createReadStream(file);
        return;
      case '/cookies':
        ctx.cookies.set('a', '1');
        ctx.cookies.set('b', '2', { signed: true });
        ctx.body = { got: ctx.cookies.get('c') ?? null };
        return;
      case '/redirect':
        ctx.redirect('/json');
        return;
      case '/teapot':
        ctx.throw(418, 'short and stout');
        return;
      case '/boom':
        throw new Error('unexpected');
      default:
        ctx.status = 404;
    }
  });
  return app;
};

test('Koa: routes, bodies, streams, cookies, redirects and errors answer as on node:http', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-koa-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'data.txt');
  fs.writeFileSync(file, 'koa streamed line\n'.repeat(10_000));
  const app = buildKoaApp(file);
  const pair = await startPair(t, app.callback());

  let r = await assertSame(t, pair, '/');
  t.is(r.body, 'hello koa');
  t.is(r.headers['x-seen-by'], 'koa');
  r = await assertSame(t, pair, '/json?x=1&y=2');
  t.like(JSON.parse(r.body), { method: 'GET', path: '/json', query: { x: '1', y: '2' }, ip: '127.0.0.1', protocol: 'http' });
  r = await assertSame(t, pair, '/echo', { method: 'PUT', body: 'body text'.repeat(1000), headers: { 'content-type': 'text/plain' } });
  t.is(r.body, 'PUT ' + 'body text'.repeat(1000));
  r = await assertSame(t, pair, '/stream');
  t.is(r.headers['transfer-encoding'], 'chunked');
  t.is(r.body.length, fs.statSync(file).size);
  r = await assertSame(t, pair, '/cookies', { headers: { cookie: 'c=3' } });
  t.is((r.headers['set-cookie'] as string[]).length, 3); // a, b and b's signature
  t.deepEqual(JSON.parse(r.body), { got: '3' });
  r = await assertSame(t, pair, '/redirect');
  t.is(r.status, 302);
  r = await assertSame(t, pair, '/teapot');
  t.is(r.status, 418);
  t.is(r.body, 'short and stout');
  r = await assertSame(t, pair, '/boom');
  t.is(r.status, 500);
  r = await assertSame(t, pair, '/nothing-here');
  t.is(r.status, 404);
  r = await assertSame(t, pair, '/', { method: 'HEAD' });
  t.is(r.headers['content-length'], '9');
  t.deepEqual(pair.errors, []);
});
