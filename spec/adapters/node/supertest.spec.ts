// supertest, the tool most Express and Koa projects test with, on portico/node's
// createServer(): it calls listen(0), reads address().port on the next line and
// closes the server only when server._handle is set, so it needs node's
// net.Server surface, not an imitation. Express 4, Express 5 and Koa 3 apps,
// unmodified.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import express from 'express';
import express5 from 'express5';
import Koa from 'koa';
import request from 'supertest';
import { createServer } from '../../../gateway/node-entry.js';

const STATIC_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-supertest-'));
fs.writeFileSync(path.join(STATIC_DIR, 'a.txt'), 'static a');
test.after.always(() => fs.rmSync(STATIC_DIR, { recursive: true, force: true }));

const expressApp = (make: typeof express) => {
  const app = make();
  app.use(make.json());
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id, url: req.url }));
  app.post('/echo', (req, res) => res.status(201).json(req.body));
  app.get('/away', (_req, res) => res.redirect('/users/1'));
  app.use('/static', make.static(STATIC_DIR, { fallthrough: true }));
  app.use((_req, res) => res.status(404).send('nothing here'));
  return app;
};

for (const [name, make] of [['Express 4', express], ['Express 5', express5 as unknown as typeof express]] as const) {
  test(`${name}: supertest's request(server) gets, posts, follows the app's redirects and 404s`, async (t) => {
    const server = createServer(expressApp(make));
    await request(server).get('/users/7?x=1').expect(200, { id: '7', url: '/users/7?x=1' });
    await request(server).post('/echo').send({ a: [1, 2] }).expect(201, { a: [1, 2] });
    await request(server).get('/away').expect(302).expect('Location', '/users/1');
    await request(server).get('/missing').expect(404, 'nothing here');
    await request(server).get('/static/a.txt').expect(200, 'static a');
    // A bad escape reaches the app, which falls through (serve-static's own judgement).
    await request(server).get('/static/%').expect(404, 'nothing here');
    // supertest closed the server after each request (it saw server._handle).
    t.false(server.listening);
  });
}

test('Koa 3: supertest against app.callback() on createServer()', async (t) => {
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === '/throw') ctx.throw(418, 'teapot');
    ctx.body = { path: ctx.path, method: ctx.method, ip: typeof ctx.ip };
  });
  app.silent = true;
  const server = createServer(app.callback());
  await request(server).get('/a/b').expect(200, { path: '/a/b', method: 'GET', ip: 'string' });
  await request(server).delete('/x').expect(200, { path: '/x', method: 'DELETE', ip: 'string' });
  await request(server).get('/throw').expect(418);
  t.false(server.listening);
});
