// Real clients against a real Portico: undici's Client with keep-alive and
// with pipelining, and curl (spawned as a child process) end to end, including
// the Expect: 100-continue curl sends for large uploads.

import test from 'ava';
import { spawn } from 'node:child_process';
import { Client, errors } from 'undici';
import type { App } from '../../gateway/index.js';
import { startServer } from '../helpers/server.js';
import { needs } from '../helpers/system-program.js';

/** Echoes the body, and reports the client port so tests can tell connections apart. */
const echo: App = async (env) => ({
  status: 200,
  headers: { 'content-type': env.headers['content-type'] ?? 'application/octet-stream', 'x-peer-port': String(env.remotePort), 'x-path': env.pathInfo },
  body: await env.body.bytes(),
});

test('undici keep-alive: sequential requests share one connection', async (t) => {
  const { url, server } = await startServer(t, { app: echo });
  const client = new Client(url, { keepAliveTimeout: 10_000 });
  t.teardown(() => client.close());
  const ports = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const res = await client.request({ path: `/k${i}`, method: i % 2 ? 'POST' : 'GET', body: i % 2 ? `body ${i}` : undefined });
    t.is(res.statusCode, 200);
    t.is(await res.body.text(), i % 2 ? `body ${i}` : '');
    ports.add(String(res.headers['x-peer-port']));
  }
  t.is(ports.size, 1);
  t.is(server.connectionCount, 1);
});

test('undici pipelining 4: ten requests in flight on one connection come back in order and intact', async (t) => {
  const { url } = await startServer(t, {
    app: async (env) => {
      // Answer out of arrival speed order: later requests are quicker.
      await new Promise((r) => setTimeout(r, 5 * (10 - Number(env.pathInfo.slice(2)))));
      return echo(env, undefined as never) as ReturnType<App>;
    },
  });
  const client = new Client(url, { pipelining: 4 });
  t.teardown(() => client.close());
  const results = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const res = await client.request({ path: `/p${i}`, method: 'PUT', body: Buffer.alloc(1000 + i, 48 + i) });
      return { i, status: res.statusCode, path: res.headers['x-path'], port: res.headers['x-peer-port'], body: await res.body.arrayBuffer() };
    }),
  );
  for (const r of results) {
    t.is(r.status, 200);
    t.is(r.path, `/p${r.i}`);
    t.deepEqual(Buffer.from(r.body), Buffer.alloc(1000 + r.i, 48 + r.i));
  }
  t.is(new Set(results.map((r) => r.port)).size, 1);
});

test('undici sees a cut connection after a failure past the head as a socket error', async (t) => {
  const { url } = await startServer(t, {
    app: () => ({
      status: 200,
      body: (async function* () {
        yield 'partial';
        throw new Error('late');
      })(),
    }),
  });
  const client = new Client(url);
  t.teardown(() => client.close());
  const res = await client.request({ path: '/', method: 'GET' });
  t.is(res.statusCode, 200);
  const err = await t.throwsAsync(res.body.text());
  t.true(err instanceof errors.SocketError || (err as { code?: string }).code === 'UND_ERR_SOCKET', String((err as { code?: string }).code));
});

test('undici gets 413 for a declared body over the limit without sending it all', async (t) => {
  const { url } = await startServer(t, { app: echo, limits: { maxBodyBytes: 1000 } });
  const client = new Client(url);
  t.teardown(() => client.close());
  const res = await client.request({ path: '/', method: 'POST', body: Buffer.alloc(5000), headers: { 'content-length': '5000' } }).catch((e: unknown) => e);
  if (res instanceof Error) {
    // undici may see the close before it finished writing; the code says why.
    t.regex(String((res as { code?: string }).code), /UND_ERR_SOCKET|ECONNRESET|EPIPE/);
  } else {
    t.is((res as { statusCode: number }).statusCode, 413);
  }
});

const withCurl = needs('curl');

const curl = (args: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(withCurl.paths.curl!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(input);
  });

withCurl.test('curl end to end: GET, headers and body', async (t) => {
  const { url } = await startServer(t, { app: () => ({ status: 200, headers: { 'content-type': 'text/plain', 'x-from': 'portico' }, body: 'Hello World!' }) });
  const r = await curl(['-sS', '-i', '--max-time', '20', url + '/hello']);
  t.is(r.code, 0, r.stderr);
  const text = r.stdout.toString();
  t.regex(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(text, /\r\nx-from: portico\r\n/i);
  t.regex(text, /\r\nContent-Length: 12\r\n/i);
  t.true(text.endsWith('\r\n\r\nHello World!'));
});

withCurl.test('curl uploads 2 MiB with Expect: 100-continue and gets it back byte for byte', async (t) => {
  const { url } = await startServer(t, { app: echo });
  const data = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const r = await curl(['-sS', '--max-time', '30', '-H', 'Expect: 100-continue', '--expect100-timeout', '20', '--data-binary', '@-', '-H', 'Content-Type: application/x-test', url + '/upload'], data);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.equals(data));
});

withCurl.test('curl with several URLs reuses the connection (HTTP/1.1 keep-alive)', async (t) => {
  const { url } = await startServer(t, { app: echo });
  const r = await curl(['-sS', '-v', '--max-time', '20', url + '/a', url + '/b', url + '/c']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /Re-using existing connection|Reusing existing/i);
});
