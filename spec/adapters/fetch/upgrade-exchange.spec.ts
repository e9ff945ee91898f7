// Upgrade requests to a Fetch app: @hono/node-ws's injectWebSocket() given the
// app fetchApp() returns, under a mount prefix (stripped, and with stripPrefix:
// false), with upgrades its app refuses; and what all three ways share: graceful
// shutdown closes every open WebSocket with 1001 and waits for the close
// handshake, close() does not hang on a peer that never answers, and a
// handshake ws refuses is answered by ws.

import net from 'node:net';
import test from 'ava';
import { Hono } from 'hono';
import { createNodeWebSocket } from '@hono/node-ws';
import { fetchApp, type FetchInfo, type FetchMountedApp, type WebSocketHandler } from '../../../adapters/fetch/index.js';
import { handshakeProblem } from '../../../adapters/fetch/upgrade-exchange.js';
import type { Env } from '../../../adapters/env.js';
import { startServer } from '../../helpers/server.js';
import { eventually } from './helpers.js';
import { connect, wsUrl } from './ws-client.js';

/** A Hono app with @hono/node-ws: an echo at /ws, a guarded socket at /private, a page at /. */
const honoNodeWs = () => {
  const app = new Hono();
  const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
  const closes: number[] = [];
  app.get(
    '/ws',
    upgradeWebSocket((c) => ({
      onOpen: (_e, ws) => ws.send(`open ${new URL(c.req.url).pathname}`),
      onMessage: (e, ws) => ws.send(`echo ${String(e.data)}`),
      onClose: (e) => closes.push(e.code),
    })),
  );
  app.get('/private', (c) => c.text('no', 403));
  app.get('/', (c) => c.text('page'));
  return { app, injectWebSocket, closes };
};

test("@hono/node-ws: injectWebSocket(fetchApp(app)) serves Hono's upgradeWebSocket under a mount prefix", async (t) => {
  const { app, injectWebSocket, closes } = honoNodeWs();
  const mounted = fetchApp(app);
  injectWebSocket(mounted as never);
  t.is(mounted.listenerCount('upgrade'), 1);
  const { url } = await startServer(t, { mounts: { '/hono': mounted } });
  const c = await connect(wsUrl(url, '/hono/ws'));
  t.is((await c.next()).text, 'open /ws');
  c.ws.send('hi');
  t.is((await c.next()).text, 'echo hi');
  c.ws.close(4000);
  t.is((await c.closed).code, 4000);
  await eventually(() => closes.length === 1);
  t.deepEqual(closes, [4000]);
  // Plain requests still reach the app, and an upgrade its app refuses gets the app's status.
  t.is(await (await fetch(url + '/hono/')).text(), 'page');
  t.like(await connect(wsUrl(url, '/hono/private')).catch((e: unknown) => e), { status: 403 });
  t.like(await connect(wsUrl(url, '/hono/nowhere')).catch((e: unknown) => e), { status: 404 });
});

test('@hono/node-ws with stripPrefix: false sees the full path', async (t) => {
  const app = new Hono().basePath('/full');
  const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
  app.get('/ws', upgradeWebSocket((c) => ({ onOpen: (_e, ws) => ws.send(new URL(c.req.url).pathname) })));
  const mounted = fetchApp(app, { stripPrefix: false });
  injectWebSocket(mounted as never);
  const { url } = await startServer(t, { mounts: { '/full': mounted } });
  const c = await connect(wsUrl(url, '/full/ws'));
  t.is((await c.next()).text, '/full/ws');
  c.ws.close();
});

test("'upgrade' listeners come and go as on node:http's server (off, once)", async (t) => {
  const mounted: FetchMountedApp = fetchApp(() => new Response('plain'));
  const listener = (): void => {};
  t.is(mounted.on('upgrade', listener).once('upgrade', listener).listenerCount('upgrade'), 2);
  t.is(mounted.off('upgrade', listener).removeListener('upgrade', listener).listenerCount('upgrade'), 0);
  // Without listeners, upgrade requests are the handler's.
  const { url } = await startServer(t, { mounts: { '/p': mounted } });
  t.like(await connect(wsUrl(url, '/p/')).catch((e: unknown) => e), { status: 200, body: 'plain' });
});

/** The three ways, each an app that greets on open and records the close code it sees. */
const kinds = (closes: number[]) => ({
  '/deno': fetchApp((request: Request, info: FetchInfo) => {
    const { socket, response } = info.upgradeWebSocket(request);
    socket.onopen = () => socket.send('hello');
    socket.onclose = (e) => closes.push(e.code);
    return response;
  }),
  '/bun': fetchApp({
    fetch: (request: Request, server: FetchInfo) => (server.upgrade(request) ? undefined : new Response('plain')),
    websocket: { open: (ws) => ws.send('hello'), message() {}, close: (_ws, code) => closes.push(code) } satisfies WebSocketHandler,
  } as never),
  '/hono': (() => {
    const app = new Hono();
    const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
    app.get('/', upgradeWebSocket(() => ({ onOpen: (_e, ws) => ws.send('hello'), onClose: (e) => closes.push(e.code) })));
    const mounted = fetchApp(app);
    injectWebSocket(mounted as never);
    return mounted;
  })(),
});

test('graceful shutdown closes open WebSockets of every kind with 1001 and waits for the close handshake', async (t) => {
  const closes: number[] = [];
  const { url, server } = await startServer(t, { mounts: kinds(closes), shutdownTimeoutMs: 10_000 });
  const clients = await Promise.all(['/deno/', '/bun/', '/hono/'].map((p) => connect(wsUrl(url, p))));
  for (const c of clients) t.is((await c.next()).text, 'hello');
  const started = Date.now();
  await server.close();
  const took = Date.now() - started;
  t.true(took < 3000, `close() took ${took} ms`);
  for (const c of clients) t.deepEqual(await c.closed, { code: 1001, reason: 'Server shutting down' });
  // Each app heard of it, as a clean close.
  await eventually(() => closes.length === 3);
  t.deepEqual(closes, [1001, 1001, 1001]);
});

/** A client that completes the handshake by hand, then never reads or answers again. */
const deafClient = (port: number, path: string): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (head.startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(head));
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  });

test('close() does not hang on WebSockets whose peers never answer the close: they are cut at the deadline', async (t) => {
  const { port, server } = await startServer(t, { mounts: kinds([]), shutdownTimeoutMs: 300 });
  const sockets = await Promise.all(['/deno/', '/bun/', '/hono/'].map((p) => deafClient(port, p)));
  const gone = sockets.map((s) => new Promise((resolve) => s.once('close', resolve)));
  const started = Date.now();
  await server.close();
  const took = Date.now() - started;
  t.true(took >= 250 && took < 2000, `close() took ${took} ms`);
  // Reading again, each client finds its connection ended by the server.
  for (const s of sockets) s.resume();
  await Promise.all(gone);
  t.pass();
});

test('a WebSocket whose handshake is under way when shutdown begins is closed with 1001 once open (Deno way, node-ws)', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = new Hono();
  const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({ app });
  app.use('*', async (_c, next) => {
    await gate;
    await next();
  });
  app.get('/', upgradeWebSocket(() => ({})));
  const hono = fetchApp(app);
  injectWebSocket(hono as never);
  const { url, server } = await startServer(t, {
    mounts: {
      '/slow': fetchApp(async (request: Request, info: FetchInfo) => {
        const { response } = info.upgradeWebSocket(request);
        await gate;
        return response;
      }),
      '/hono': hono,
    },
    shutdownTimeoutMs: 5000,
  });
  const clients = ['/slow/', '/hono/'].map((p) => connect(wsUrl(url, p)));
  await eventually(() => server.connectionCount === 2);
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  const closing = server.close();
  setTimeout(release, 100);
  for (const client of clients) t.is((await (await client).closed).code, 1001);
  await closing;
  t.true(Date.now() - started < 3000);
});

test('handshakeProblem names what makes a request something other than a WebSocket handshake (RFC 6455 §4.2.1)', (t) => {
  const env = (method: string, headers: Record<string, string>, upgrade = true): Env =>
    ({ method, headers, extensions: { 'portico.upgrade': upgrade } }) as unknown as Env;
  const good = { upgrade: 'WebSocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };
  t.is(handshakeProblem(env('GET', good)), null);
  t.is(handshakeProblem(env('GET', { ...good, upgrade: 'h2c, websocket' })), null);
  t.regex(handshakeProblem(env('POST', good))!, /GET/);
  t.regex(handshakeProblem(env('GET', { ...good, upgrade: 'h2c' }))!, /'upgrade'/);
  t.regex(handshakeProblem(env('GET', good, false))!, /'connection'/);
  t.regex(handshakeProblem(env('GET', { ...good, 'sec-websocket-key': 'short' }))!, /'sec-websocket-key'/);
  t.regex(handshakeProblem(env('GET', { ...good, 'sec-websocket-version': '8' }))!, /'sec-websocket-version'/);
});
