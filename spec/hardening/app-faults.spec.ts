// Apps that misbehave in every way the hardening issue lists. Each fault must
// give the client a clear answer (500, 504, or a cut connection when the head
// already went out), must be logged with the mount, and must leave the server
// serving other requests on the same and on other connections.

import test from 'ava';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import type { App, MountTable } from '../../gateway/index.js';

const ok: App = () => ({ status: 200, body: 'ok' });

const faults: MountTable = {
  '/ok': ok,
  '/throw': () => {
    throw new Error('sync boom');
  },
  '/reject': async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('async boom');
  },
  '/never': { app: () => new Promise<void>(() => {}), responseTimeoutMs: 300 },
  '/never-streams': {
    app: (_env, res) => {
      // Started in time, then slow: the first-byte timeout must not cut it.
      res.write('a');
      setTimeout(() => res.end('b'), 500);
    },
    responseTimeoutMs: 200,
  },
  '/twice': (_env, res) => {
    res.end('first');
    res.end('second');
  },
  '/write-after-end': (_env, res) => {
    res.end('done');
    res.write('more');
  },
  '/bad-header': () => ({ status: 200, headers: { 'x-evil': 'a\r\nSet-Cookie: pwned=1' }, body: 'x' }),
  '/bad-name': () => ({ status: 200, headers: { 'x evil': 'a' }, body: 'x' }),
  '/nul-header': () => ({ status: 200, headers: { 'x-nul': 'a\0b' }, body: 'x' }),
  '/bad-status': () => ({ status: 99 }),
  '/throw-after-head': (_env, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    setTimeout(() => res.abort(new Error('late failure')), 10);
  },
  '/reject-after-head': async (_env, res) => {
    res.writeHead(200);
    res.write('partial');
    await new Promise((r) => setTimeout(r, 10));
    throw new Error('late rejection');
  },
  '/not-a-response': () => 'hello' as unknown as void,
};

const cases: Array<[string, number]> = [
  ['/throw', 500],
  ['/reject', 500],
  ['/never', 504],
  ['/bad-header', 500],
  ['/bad-name', 500],
  ['/nul-header', 500],
  ['/bad-status', 500],
];

for (const [path, status] of cases) {
  test(`${path} answers ${status}, is logged with its mount, and the server lives on`, async (t) => {
    const { url, errors } = await startServer(t, { mounts: faults });
    const res = await request(url + path);
    t.is(res.statusCode, status);
    const body = await res.body.text();
    t.false(body.includes('boom'), 'no app error text in the page');
    t.false(body.includes('/work/'), 'no server path in the page');
    t.false(/at .*\.js:\d+/.test(body), 'no stack trace in the page');
    if (status === 500) t.true(errors.some((e) => e.includes(`"mount":"${path}"`)), `logged: ${errors.join('\n')}`);
    const after = await request(url + '/ok');
    t.is(await after.body.text(), 'ok');
  });
}

test('an injected header is never written', async (t) => {
  const { port } = await startServer(t, { mounts: faults });
  const r = await exchange(port, 'GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\n');
  t.is(r.responses[0]?.status, 500);
  t.false(r.bytes.toString('latin1').includes('pwned'));
});

test('after a 500 the keep-alive connection still serves the next request', async (t) => {
  const { port } = await startServer(t, { mounts: faults });
  const r = await exchange(port, 'GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2 });
  t.deepEqual(r.responses.map((x) => x.status), [500, 200]);
  t.false(r.closed);
});

test('the first-byte timeout does not cut a response that started', async (t) => {
  const { url } = await startServer(t, { mounts: faults });
  const res = await request(url + '/never-streams');
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), 'ab');
});

for (const path of ['/twice', '/write-after-end']) {
  test(`${path}: the first answer stands and the error is contained`, async (t) => {
    const { url, errors } = await startServer(t, { mounts: faults });
    const res = await request(url + path);
    t.is(res.statusCode, 200);
    t.is(await res.body.text(), path === '/twice' ? 'first' : 'done');
    t.true(errors.length >= 1, 'the misuse is logged');
    t.is(await (await request(url + '/ok')).body.text(), 'ok');
  });
}

for (const path of ['/throw-after-head', '/reject-after-head']) {
  test(`${path}: a failure after the head cuts the connection (truncated, never complete)`, async (t) => {
    const { port, url } = await startServer(t, { mounts: faults });
    const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 3000 });
    t.true(r.closed);
    t.is(r.responses.length, 0, 'no complete response was seen');
    t.true(r.bytes.toString().includes('partial'));
    t.is(await (await request(url + '/ok')).body.text(), 'ok');
  });
}

test('a non-response return value is a 500', async (t) => {
  const { url } = await startServer(t, { mounts: faults });
  const res = await request(url + '/not-a-response');
  t.is(res.statusCode, 500);
  await res.body.text();
});
