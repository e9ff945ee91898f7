// WebSockets of a Fetch app from a real browser (Chromium through
// playwright-core): a page opens a WebSocket to a Hono app under /chat
// (Portico's upgradeWebSocket), sends text and binary and reads
// the echoes, then the server shuts down gracefully and the page sees a clean
// close with 1001 Going Away, the code a browser takes for a server leaving.

import { Hono } from 'hono';
import { fetchApp, upgradeWebSocket } from '../../../adapters/fetch/index.js';
import { startServer } from '../../helpers/server.js';
import { needs } from '../../helpers/system-program.js';
import { sharedChromium } from '../../helpers/browser.js';

const { test, paths } = needs('chromium');

const browser = sharedChromium(test, paths.chromium);

/** Opens a WebSocket from the page; its messages go to `log`, its close event resolves `wsClosed`. */
const openSocket = (url: string): void => {
  const page = globalThis as unknown as { log: string[]; wsClosed: Promise<unknown> };
  page.log = [];
  page.wsClosed = new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      ws.send('hello from the page');
      ws.send(new Uint8Array([1, 2, 3]).buffer);
    };
    ws.onmessage = (e) => page.log.push(typeof e.data === 'string' ? e.data : 'binary ' + Array.from(new Uint8Array(e.data as ArrayBuffer)).join(','));
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
  });
};

test('a page talks to a Hono WebSocket under a mount, and sees 1001 when the server shuts down', async (t) => {
  const app = new Hono();
  app.get(
    '/ws',
    upgradeWebSocket(() => ({
      onMessage: (evt, ws) => ws.send(typeof evt.data === 'string' ? `echo ${evt.data}` : new Uint8Array(evt.data as ArrayBuffer).reverse()),
    })),
  );
  const { url, server } = await startServer(t, { mounts: { '/chat': fetchApp(app) }, shutdownTimeoutMs: 10_000 });
  const context = await browser().newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  // The page itself does not come from the server: a browser keeps idle HTTP connections
  // open after the server's FIN, which would hold close() to its deadline (not this test's subject).
  await page.setContent('<!doctype html><title>chat</title>');
  await page.evaluate(openSocket, url.replace(/^http/, 'ws') + '/chat/ws');
  await page.waitForFunction(() => (globalThis as unknown as { log: string[] }).log.length === 2, undefined, { timeout: 10_000 });
  t.deepEqual(await page.evaluate(() => (globalThis as unknown as { log: string[] }).log), ['echo hello from the page', 'binary 3,2,1']);
  const started = Date.now();
  await server.close();
  const took = Date.now() - started;
  t.true(took < 5000, `close() took ${took} ms, ${server.connectionCount} connections left`);
  t.deepEqual(await page.evaluate(() => (globalThis as unknown as { wsClosed: Promise<unknown> }).wsClosed), { code: 1001, reason: 'Server shutting down', wasClean: true });
});
