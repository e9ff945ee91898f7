// What serves requests, built from a server's checked options: the mount table
// (top-level per-mount values as each mount's defaults, compression, rate limits
// outermost), the router, the request handler with its error pages and access
// log, HSTS, and the options every new connection gets (limits, timeouts). The
// server holds one generation at a time; reconfigure() builds the next one while
// the old keeps serving the requests it started (server.ts). Rate limiters of
// the previous generation are passed on, so a reload keeps a client's bucket.

import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, Sweeper, type ConnectionHandler, type ConnectionOptions, type Limits, type Timeouts } from '../core/index.js';
import { RequestHandler } from './request-handler.js';
import { Router, type MountTable } from './router.js';
import { consoleLogger } from './log.js';
import { compressMounts } from './compression.js';
import { rateLimitMounts, type Limiters } from './rate-limit.js';
import { mountDefaults } from './options-schema.js';
import { addHsts, hstsValue } from './hsts.js';
import type { ServeOptions } from './server.js';

export interface Generation {
  request: ConnectionHandler['request'];
  error: ConnectionHandler['error'];
  /** What each connection accepted under this generation is given. */
  connectionOptions: ConnectionOptions;
  limiters: Limiters;
}

/** The server's side of the env, the same for every generation. */
export interface ServerHooks {
  /** Keeps the server's shutdown waiting for the promise. */
  waitUntil(p: Promise<unknown>): void;
  /** Aborted when graceful shutdown begins (the env's 'portico.closing'). */
  closing: AbortSignal;
  /** `OPTIONS *` reaches the app (a node server's, as on node:http) rather than the server answering it. */
  asteriskToApp?: boolean;
}

/** Builds a generation from checked `options`. */
export const buildGeneration = (options: ServeOptions, secure: boolean, hooks: ServerHooks, previous?: Generation): Generation => {
  const table = withMountDefaults(options.mounts ?? (typeof options.app === 'function' ? { '': options.app } : (options.app ?? {})), options);
  const compressed = compressMounts(table);
  // Outermost, so a refused request costs no more than the refusal.
  const limited = rateLimitMounts(compressed, options.rateLimit, previous?.limiters);
  const handler = new RequestHandler({
    router: new Router(limited.table),
    errorPages: options.errorPages,
    logger: options.logger ?? consoleLogger,
    waitUntil: hooks.waitUntil,
    closing: hooks.closing,
    accessLog: options.accessLog,
    responseTimeoutMs: options.responseTimeoutMs,
    asteriskToApp: hooks.asteriskToApp,
  });
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const generation: Generation = {
    request: handler.request.bind(handler),
    error: handler.error.bind(handler),
    connectionOptions: { limits, timeouts, sweeper: Sweeper.forTimeouts({ ...timeouts }), allowConnect: options.allowConnect, allowHalfOpen: options.allowHalfOpen },
    limiters: limited.limiters,
  };
  if (options.hsts && secure) {
    const value = hstsValue(options.hsts);
    const { request, error } = generation;
    generation.request = (head, body, res, conn) => (addHsts(res, value), request(head, body, res, conn));
    generation.error = (err, res, conn, head) => (addHsts(res, value), error(err, res, conn, head));
  }
  return generation;
};

/** Top-level values of per-mount options become each mount's default; a mount's own value wins. */
const withMountDefaults = (table: MountTable, options: ServeOptions): MountTable => {
  const defaults = mountDefaults(options as Record<string, unknown>);
  if (Object.keys(defaults).length === 0) return table;
  const out: MountTable = {};
  for (const [prefix, spec] of Object.entries(table)) out[prefix] = typeof spec === 'function' ? { ...defaults, app: spec } : { ...defaults, ...spec };
  return out;
};
