// node:http with the bare handler: the baseline every Node user knows.
import http from 'node:http';
import { KEEP_ALIVE_MS, port, ready } from './common.mjs';
import { bareHandler } from './node-handlers.mjs';

const server = http.createServer(bareHandler);
server.keepAliveTimeout = KEEP_ALIVE_MS;
server.listen(port, '127.0.0.1', ready);
