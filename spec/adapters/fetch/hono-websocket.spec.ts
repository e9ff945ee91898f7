// Portico's upgradeWebSocket for Hono (hono-websocket.ts): a Hono app with a
// WebSocket route and nothing else to wire, in code under a mount and from the
// CLI, where the user holds no server object (beside a Bun-style
// `export default { fetch, websocket }` module). The CLI's SIGTERM closes
// both sockets with 1001.

import path from 'node:path';
import test from 'ava';
import { Hono } from 'hono';
import { fetchApp, upgradeWebSocket, type FetchInfo } from '../../../adapters/fetch/index.js';
import { startServer } from '../../helpers/server.js';
import { REPO, startCli, stopCli } from '../../helpers/cli.js';
import { eventually } from './helpers.js';
import { connect, wsUrl } from './ws-client.js';

test('a Hono route with upgradeWebSocket: messages, close codes, and next() for requests that are not handshakes', async (t) => {
  const closes: Array<[number, string]> = [];
  const app = new Hono<{ Bindings: FetchInfo }>();
  app.get(
    '/ws',
    upgradeWebSocket((c) => ({
      onOpen: (_evt, ws) => ws.send(`open ${ws.readyState} ${ws.url?.pathname} ${c.req.query('x')}`),
      onMessage: (evt, ws) => {
        if (evt.data === 'bye') return ws.close(4003, 'asked');
        ws.send(typeof evt.data === 'string' ? `echo ${evt.data}` : new Uint8Array(evt.data as ArrayBuffer).reverse());
      },
      onClose: (evt) => closes.push([evt.code, evt.reason]),
    })),
  );
  app.get('/ws', (c) => c.text('not a websocket request', 426));
  app.get('/direct', (c) => upgradeWebSocket(c, { onOpen: (_e, ws) => ws.send('direct') }));
  const { url } = await startServer(t, { mounts: { '/app': fetchApp(app) } });
  const c = await connect(wsUrl(url, '/app/ws?x=1'));
  t.is((await c.next()).text, 'open 1 /ws 1');
  c.ws.send('hi');
  t.is((await c.next()).text, 'echo hi');
  c.ws.send(Buffer.from([1, 2, 3]));
  t.deepEqual([...(await c.next()).data], [3, 2, 1]);
  c.ws.send('bye');
  t.deepEqual(await c.closed, { code: 4003, reason: 'asked' });
  const d = await connect(wsUrl(url, '/app/ws'));
  d.ws.close(4004, 'client');
  await d.closed;
  await eventually(() => closes.length === 2);
  t.deepEqual(closes, [[4003, 'asked'], [4004, 'client']]);
  // A plain GET goes on to the next handler; the direct form upgrades too.
  const plain = await fetch(url + '/app/ws');
  t.deepEqual([plain.status, await plain.text()], [426, 'not a websocket request']);
  const direct = await connect(wsUrl(url, '/app/direct'));
  t.is((await direct.next()).text, 'direct');
  direct.ws.close();
});

test('an app not served by Portico gets a TypeError that says so', async (t) => {
  const app = new Hono();
  app.get('/ws', upgradeWebSocket(() => ({})));
  app.onError((err, c) => c.text(`${err.name}: ${err.message}`, 500));
  const res = await app.request('/ws', { headers: { upgrade: 'websocket' } });
  t.is(res.status, 500);
  t.regex(await res.text(), /^TypeError: upgradeWebSocket: c\.env has no upgradeWebSocket\(\)/);
});

test('from the CLI: a Hono module and a Bun-style { fetch, websocket } module under mounts; SIGTERM closes both with 1001', async (t) => {
  const fixtures = path.join(REPO, 'spec/adapters/fetch/fixtures');
  const cli = await startCli(t, ['--port', '0', '--mount', '/chat=./hono-websocket.mjs', '--mount', '/bun=./bun-module.mjs'], { cwd: fixtures });
  const hono = await connect(wsUrl(cli.url, '/chat/ws?name=ada'));
  t.is((await hono.next()).text, 'hello ada at /ws');
  hono.ws.send('hi');
  t.is((await hono.next()).text, 'echo hi');
  const bun = await connect(wsUrl(cli.url, '/bun/room'));
  t.is((await bun.next()).text, 'bun open /room');
  bun.ws.send('yo');
  t.is((await bun.next()).text, 'bun echo yo');
  t.is(await (await fetch(cli.url + '/chat/')).text(), 'chat page');
  t.is(await (await fetch(cli.url + '/bun/')).text(), 'bun page');
  const stopped = stopCli(cli);
  t.deepEqual(await hono.closed, { code: 1001, reason: 'Server shutting down' });
  t.deepEqual(await bun.closed, { code: 1001, reason: 'Server shutting down' });
  t.is(await stopped, 0);
});
