// Portico's fetch adapter running the Hono app that hono-node.mjs runs on
// @hono/node-server.
import { serve, silentLogger } from 'portico';
import { KEEP_ALIVE_MS, importOrUnavailable, port, ready } from './common.mjs';
import { honoApp } from './hono-app.mjs';

const fetchApp = await importOrUnavailable('portico/fetch', 'fetchApp');
await serve({ port, logger: silentLogger, timeouts: { keepAliveMs: KEEP_ALIVE_MS }, app: fetchApp(honoApp.fetch, { lightResponse: process.argv[3] === 'light' }) });
ready();
