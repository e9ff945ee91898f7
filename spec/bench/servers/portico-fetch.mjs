// Portico's fetch adapter running the Hono app that hono-node.mjs runs on
// @hono/node-server, configured in code (`fetchApp(app.fetch)`), as a user would.
// "node-response" as argv[3] opts out of the light Response (lightResponse: false).
import { serve, silentLogger } from 'portico';
import { KEEP_ALIVE_MS, importOrUnavailable, port, ready } from './common.mjs';
import { honoApp } from './hono-app.mjs';

const fetchApp = await importOrUnavailable('portico/fetch', 'fetchApp');
const options = process.argv[3] === 'node-response' ? { lightResponse: false } : undefined;
await serve({ port, logger: silentLogger, timeouts: { keepAliveMs: KEEP_ALIVE_MS }, app: fetchApp(honoApp.fetch, options) });
ready();
