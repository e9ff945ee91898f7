// The `portico/node` entry point: the node adapter (nodeApp) plus createServer(),
// node:http's signature on a Portico server, so `http.createServer(app)` code
// switches by changing one import. It lives in gateway/ because starting a
// server is the gateway's job and adapters never import the gateway.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeServer, type StartOptions } from '../adapters/node/index.js';
import { Server, type ServeOptions } from './server.js';

export * from '../adapters/node/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

// The node adapter cannot import ServeOptions (adapters never import the
// gateway), so its StartOptions are checked here: every field must be a serve()
// option of the same type, or tsc fails on this line.
export type StartOptionsFitServe = [Exclude<keyof StartOptions, keyof ServeOptions>] extends [never] ? (StartOptions extends ServeOptions ? true : never) : never;
const startOptionsFit: StartOptionsFitServe = true;
void startOptionsFit;

export interface CreateServerOptions {
  /** node:http's maxHeaderSize: the largest request head in bytes (Portico's maxHeaderBytes). */
  maxHeaderSize?: number;
  /** Portico's own server options (logger, limits, timeouts, tls, errorPages...). */
  portico?: Omit<ServeOptions, 'app' | 'mounts' | 'port' | 'host' | 'path'>;
}

export function createServer(handler?: Handler): NodeServer;
export function createServer(options: CreateServerOptions, handler?: Handler): NodeServer;
export function createServer(first?: CreateServerOptions | Handler, second?: Handler): NodeServer {
  const options: CreateServerOptions = typeof first === 'object' && first !== null ? first : {};
  const handler = typeof first === 'function' ? first : second;
  const base = options.portico ?? {};
  const maxHeaderBytes = options.maxHeaderSize;
  return new NodeServer((start) => {
    const server = new Server({
      ...base,
      ...start,
      timeouts: { ...base.timeouts, ...start.timeouts },
      limits: { ...base.limits, ...(maxHeaderBytes !== undefined ? { maxHeaderBytes } : {}), ...start.limits },
    });
    // Known before it listens, so that address() and close() can reach it meanwhile.
    return { server, listening: server.listen() };
  }, handler);
}
