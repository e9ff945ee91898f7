// Express 4 or 5 (argv[3]: "4" | "5") on node:http, also the static-file peer
// (express.static, i.e. `send`, at /static).
import http from 'node:http';
import { KEEP_ALIVE_MS, STATIC_ROOT, port, ready } from './common.mjs';
import { makeExpressApp } from './node-handlers.mjs';

const express = (await import(process.argv[3] === '5' ? 'express5' : 'express')).default;
const server = http.createServer(makeExpressApp(express, STATIC_ROOT));
server.keepAliveTimeout = KEEP_ALIVE_MS;
server.listen(port, '127.0.0.1', ready);
