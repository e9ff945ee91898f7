// Express 4 or 5 (argv[3]: "4" | "5") on Portico's node adapter: the same app
// express-node-http.mjs runs on node:http.
import { serve, silentLogger } from 'portico';
import { KEEP_ALIVE_MS, STATIC_ROOT, importOrUnavailable, port, ready } from './common.mjs';
import { makeExpressApp } from './node-handlers.mjs';

const express = (await import(process.argv[3] === '5' ? 'express5' : 'express')).default;
const nodeApp = await importOrUnavailable('portico/node', 'nodeApp');
await serve({ port, logger: silentLogger, timeouts: { keepAliveMs: KEEP_ALIVE_MS }, app: nodeApp(makeExpressApp(express, STATIC_ROOT)) });
ready();
