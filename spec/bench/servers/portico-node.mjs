// Portico's node adapter running the bare (req, res) handler that node-http.mjs
// runs on node:http.
import { serve, silentLogger } from 'portico';
import { KEEP_ALIVE_MS, importOrUnavailable, port, ready } from './common.mjs';
import { bareHandler } from './node-handlers.mjs';

const nodeApp = await importOrUnavailable('portico/node', 'nodeApp');
await serve({ port, logger: silentLogger, timeouts: { keepAliveMs: KEEP_ALIVE_MS }, app: nodeApp(bareHandler) });
ready();
