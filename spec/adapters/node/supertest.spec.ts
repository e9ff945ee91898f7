// supertest, the tool most Express and Koa projects test with, given a server
// from portico/node: `request(createServer(app))`. supertest starts a server
// that is not listening (listen(0, '127.0.0.1'), then reads address().port),
// closes it again after the request, and leaves alone a server its caller
// started; supertest 6 and earlier read address() on the line after listen(0)
// and closed only a server with `_handle`, which needs node's net.Server, not an
// imitation. Express 4, Express 5 and Koa 3 apps, unmodified. Every test runs on
// node:http's createServer too (both-servers.ts), which is how these tests were
// checked: both runs pass on node:http.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import express from 'express';
import express5 from 'express5';
import Koa from 'koa';
import request, { type Response } from 'supertest';
import { makeCert, removeCert, type TestCert } from '../../helpers/tls-cert.js';
import { closeAtTeardown, listen, onBothServers } from './both-servers.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** One self-signed certificate for the file, made by openssl on first use. */
let cert: TestCert | undefined;
const testCert = async (): Promise<TestCert> => (cert ??= makeCert());
test.after.always(() => removeCert(cert));

const STATIC_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-supertest-'));
fs.writeFileSync(path.join(STATIC_DIR, 'a.txt'), 'static a');
test.after.always(() => fs.rmSync(STATIC_DIR, { recursive: true, force: true }));

/** The same small API in Express 4 and Express 5. */
const expressApp = (make: typeof express) => {
  const app = make();
  app.use(make.json());
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id, url: req.url }));
  app.post('/users', (req, res) => res.status(201).set('location', `/users/${req.body.name}`).json({ created: req.body }));
  app.get('/away', (_req, res) => res.redirect('/users/1'));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use('/static', make.static(STATIC_DIR, { fallthrough: true }));
  app.use((_req, res) => res.status(404).send('nothing here'));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).type('text').send(err.message);
  });
  return app;
};

const readBody = async (req: http.IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const koaApp = () => {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    ctx.set('x-response-by', 'koa');
    await next();
  });
  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/hello') ctx.body = { hello: ctx.query.name ?? 'world' };
    else if (ctx.method === 'POST' && ctx.path === '/echo') {
      ctx.status = 201;
      ctx.type = ctx.get('content-type');
      ctx.body = await readBody(ctx.req);
    } else if (ctx.path === '/private') ctx.throw(401, 'who are you?');
    else if (ctx.method === 'DELETE') ctx.body = { path: ctx.path, method: ctx.method, ip: typeof ctx.ip };
  });
  return app;
};

/** supertest started `server` and must have closed it once the request settled. */
const closedBySupertest = async (server: http.Server): Promise<boolean> => {
  if (!server.listening) return true;
  await new Promise((resolve) => server.once('close', resolve));
  return !server.listening;
};

for (const [name, make] of [['Express 4', express], ['Express 5', express5 as unknown as typeof express]] as const) {
  onBothServers(`${name}: request(server).get().expect() chains, then supertest closes the server it started`, async (t, s) => {
    const server = s.createServer(expressApp(make));
    t.false(server.listening);
    await request(server)
      .get('/users/7?x=1')
      .expect('Content-Type', /application\/json/)
      .expect(200, { id: '7', url: '/users/7?x=1' });
    t.true(await closedBySupertest(server));
    // A second request starts it again, on a new port.
    await request(server).get('/nope').expect(404, 'nothing here');
    await request(server).get('/away').expect(302).expect('Location', '/users/1');
    await request(server).get('/static/a.txt').expect(200, 'static a');
    // A bad escape reaches the app, which falls through (serve-static's own judgement).
    await request(server).get('/static/%').expect(404, 'nothing here');
    t.true(await closedBySupertest(server));
    t.deepEqual(s.errors, []);
  });

  onBothServers(`${name}: a POST with a JSON body, status, header and body assertions`, async (t, s) => {
    const server = s.createServer(expressApp(make));
    const res = await request(server)
      .post('/users')
      .set('accept', 'application/json')
      .send({ name: 'ada', langs: ['en', 'fr'] })
      .expect(201)
      .expect('location', '/users/ada')
      .expect((r: Response) => t.deepEqual(r.body, { created: { name: 'ada', langs: ['en', 'fr'] } }));
    t.is(res.status, 201);
    await request(server).get('/boom').expect(500, 'boom');
    t.true(await closedBySupertest(server));
  });

  onBothServers(`${name}: a server the test started stays open, on its own port, for several requests`, async (t, s) => {
    const server = s.createServer(expressApp(make));
    const port = await listen(t, server);
    for (const id of ['1', '2', '3']) await request(server).get(`/users/${id}`).expect(200, { id, url: `/users/${id}` });
    t.true(server.listening);
    t.is((server.address() as { port: number }).port, port);
    // A failing expectation is reported as an error naming both statuses.
    const err = await new Promise<Error | null>((resolve) => request(server).get('/users/1').expect(418).end((e) => resolve(e)));
    t.regex(String(err), /expected 418 "I'm a Teapot", got 200 "OK"/);
  });
}

onBothServers('Koa: request(createServer(app.callback())) with GET, a POST body, a thrown 401 and concurrent requests', async (t, s) => {
  const server = s.createServer(koaApp().callback());
  await request(server)
    .get('/hello?name=koa')
    .expect('x-response-by', 'koa')
    .expect(200, { hello: 'koa' });
  await request(server)
    .post('/echo')
    .set('content-type', 'text/plain')
    .send('a body for koa')
    .expect('content-type', /text\/plain/)
    .expect(201, 'a body for koa');
  await request(server).get('/private').expect(401, 'who are you?');
  await request(server).delete('/x').expect(200, { path: '/x', method: 'DELETE', ip: 'string' });
  await request(server).get('/missing').expect(404);
  // Requests in flight together share the one server supertest started.
  const names = ['a', 'b', 'c', 'd', 'e'];
  const bodies = await Promise.all(names.map((n) => request(server).get(`/hello?name=${n}`).expect(200)));
  t.deepEqual(bodies.map((r) => r.body), names.map((n) => ({ hello: n })));
  t.true(await closedBySupertest(server));
  t.deepEqual(s.errors, []);
});

onBothServers('request.agent(server) keeps cookies across requests', async (t, s) => {
  const app = express5();
  app.get('/login', (_req, res) => res.cookie('session', 'abc').send('in'));
  app.get('/me', (req, res) => res.send(req.headers.cookie ?? 'nobody'));
  const server = s.createServer(app);
  await listen(t, server);
  const agent = request.agent(server);
  await agent.get('/login').expect('set-cookie', /session=abc/).expect(200, 'in');
  const me = await agent.get('/me').expect(200);
  t.is(me.text, 'session=abc');
});

onBothServers('https: request(httpsServer) talks TLS to it; Express sees req.secure', async (t, s) => {
  const cert = await testCert();
  const app = express5();
  app.get('/who', (req, res) => res.json({ secure: req.secure, protocol: req.protocol, encrypted: (req.socket as { encrypted?: boolean }).encrypted === true }));
  const server = s.createHttpsServer({ key: cert.key, cert: cert.cert }, app);
  const res = await request(server).get('/who').trustLocalhost().expect(200);
  t.deepEqual(res.body, { secure: true, protocol: 'https', encrypted: true });
  t.true(await closedBySupertest(server));
});

// supertest 6 and earlier (still what many lockfiles hold) did this with a
// server it was given (lib/test.js, serverAddress() and end()): listen(0), the
// port read on the very next line, and close() only when `_handle` is set.
const supertest6Request = async (server: http.Server, path: string): Promise<string> => {
  let started: http.Server | undefined;
  if (!server.address()) started = server.listen(0);
  const port = (server.address() as { port: number }).port;
  const body = await new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}${path}`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  const handle = (started as { _handle?: unknown } | undefined)?._handle;
  if (started !== undefined && handle) await new Promise((resolve) => started.close(resolve));
  return body;
};

onBothServers(
  'supertest 6\'s pattern: listen(0), address().port on the next line, close() only when _handle is set',
  async (t, s) => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = `koa ${ctx.path}`;
    });
    const server = s.createServer(app.callback());
    closeAtTeardown(t, server);
    t.is(await supertest6Request(server, '/one'), 'koa /one');
    t.false(server.listening, 'closed after the request, as supertest 6 closes it');
    t.is(await supertest6Request(server, '/two'), 'koa /two');
    t.false(server.listening);
  },
);

// A test file whose server is never closed never exits, which is how a Koa 3
// suite hung on portico/node: supertest only closes servers it can see bound.
// The file runs in a child process that must exit by itself.
const testFile = (module: string): string => `
import request from 'supertest';
import Koa from 'koa';
import express from 'express';
import { createServer } from ${JSON.stringify(module)};
const koa = new Koa();
koa.use((ctx) => { ctx.body = 'koa ' + ctx.path; });
const app = express();
app.use(express.text());
app.post('/t', (req, res) => res.send('express ' + req.body));
await request(createServer(koa.callback())).get('/k').expect(200, 'koa /k');
await request(createServer(app)).post('/t').set('content-type', 'text/plain').send('hi').expect(200, 'express hi');
console.log('done');
`;

for (const [name, module] of [
  ['node:http', 'node:http'],
  ['portico/node', new URL('../../../gateway/node-entry.js', import.meta.url).href],
] as const) {
  test(`${name}: a supertest test file exits by itself once its requests are done`, async (t) => {
    t.timeout(30_000);
    const child = spawn(process.execPath, ['--input-type=module', '-e', testFile(module)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    // 'close', not 'exit': the output may still be in the pipes at 'exit'.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, sig) => resolve([c, sig])));
    clearTimeout(killer);
    t.is(signal, null, `still running after 15 s:\n${out}`);
    t.is(code, 0, out);
    t.is(out, 'done\n');
  });
}
