// nodeApp(handler): any node:http (req, res) handler as a Portico app. Each
// request gets a genuine IncomingMessage and a genuine ServerResponse
// (request.ts, response.ts) on the connection's own socket
// (connection-socket.ts), and the handler runs as node:http's 'request'
// listener would. What node:http leaves to luck, Portico contains: a handler
// that throws, or returns a promise that rejects, before answering gets a 500
// from the server (logged with the mount), and its objects are cut loose so late
// writes go nowhere; the process never crashes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCEPTS_UNDECODED_PATHS, type App, type Env, type Responder } from '../env.js';
import { optionKeys, refuseUnknownOptions } from '../known-options.js';
import { connectionSocket } from './connection-socket.js';
import { Exchange, GATEWAY_POLICY, type HeadPolicy } from './exchange.js';
import { createRequest, endRequest, type NodeRequest } from './request.js';
import { createResponse, exchangeOf, type NodeResponse } from './response.js';
import { acceptUpgrade, type UpgradeListener } from './upgrade.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface NodeAppOptions {
  /** Called like node:http's 'upgrade' event for requests asking for a protocol upgrade. */
  onUpgrade?: UpgradeListener;
}

const ignore = (): void => {};

/** The response object for one exchange (its request is res.req), before the handler runs. */
export const nodeObjects = (env: Env, responder: Responder, policy: HeadPolicy): NodeResponse => {
  const socket = connectionSocket(env);
  // The engine corks the socket while it handles the bytes it read; an app that writes
  // to the socket itself and destroys it must not lose what it wrote (as on node:http,
  // whose sockets are not corked in a 'request' listener). Responses flush at end() anyway.
  while (socket.writableCorked > 0) socket.uncork();
  const req = createRequest(env, socket);
  const exchange = new Exchange(responder, req, policy);
  return createResponse(req, exchange, socket);
};

/** Runs `handler` on `req` and `res`; returns a promise only when the handler did. */
export const runHandler = (handler: NodeHandler, env: Env, req: NodeRequest, res: NodeResponse): void | Promise<void> => {
  let result: unknown;
  try {
    result = handler(req, res);
  } catch (err) {
    exchangeOf(res).release();
    throw err;
  } finally {
    if (env.body.length === 0) endRequest(req);
  }
  // A handler's return value is not an AppResponse (`(req, res) => res.end()` returns res).
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(ignore, (err: unknown) => {
      // The server answers with a 500 unless the head went out; then it cuts the connection.
      const exchange = exchangeOf(res);
      if (exchange.responder !== null && !exchange.responder.headersSent) exchange.release();
      throw err;
    });
  }
};

/** Runs `handler` for one request. */
export const handleNodeRequest = (handler: NodeHandler, env: Env, responder: Responder, policy: HeadPolicy = GATEWAY_POLICY): void | Promise<void> => {
  const res = nodeObjects(env, responder, policy);
  return runHandler(handler, env, res.req as NodeRequest, res);
};

const KNOWN = optionKeys({ onUpgrade: 1 } satisfies Record<keyof NodeAppOptions, 1>);

export const nodeApp = (handler: NodeHandler, options: NodeAppOptions = {}): App => {
  refuseUnknownOptions('nodeApp', options, KNOWN);
  if (typeof handler !== 'function') throw new TypeError('nodeApp(handler): handler must be a function (req, res)');
  const onUpgrade = options.onUpgrade;
  if (onUpgrade === undefined) return judgesOwnPaths((env, res) => handleNodeRequest(handler, env, res));
  return judgesOwnPaths((env, res) =>
    env.extensions['portico.upgrade'] === true ? acceptUpgrade(env, res, onUpgrade) : handleNodeRequest(handler, env, res),
  );
};

/** node:http apps see the target as received and judge a bad escape themselves (express.static: 400 or fall through). */
export const judgesOwnPaths = (app: App): App => Object.assign(app, { [ACCEPTS_UNDECODED_PATHS]: true });
