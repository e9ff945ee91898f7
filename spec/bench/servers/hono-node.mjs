// @hono/node-server serving the Hono app: the Fetch-on-Node reference.
import { serve } from '@hono/node-server';
import { KEEP_ALIVE_MS, port, ready } from './common.mjs';
import { honoApp } from './hono-app.mjs';

const server = serve({ fetch: honoApp.fetch, port, hostname: '127.0.0.1' }, ready);
server.keepAliveTimeout = KEEP_ALIVE_MS;
