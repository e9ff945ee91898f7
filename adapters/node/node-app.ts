// nodeApp(handler): any node:http (req, res) handler as a Portico app. Each
// request gets a Portico-owned socket, a genuine IncomingMessage and a genuine
// ServerResponse (socket.ts, request.ts, response.ts), and the handler runs as
// node:http's 'request' listener would. What node:http leaves to luck, Portico
// contains: a handler that throws, or returns a promise that rejects, before
// answering gets a 500 from the server (logged with the mount), and its
// objects are cut loose so late writes go nowhere; the process never crashes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { App, Env, Responder } from '../env.js';
import { PorticoSocket } from './socket.js';
import { createRequest, endRequest } from './request.js';
import { createResponse } from './response.js';
import { acceptUpgrade, type UpgradeListener } from './upgrade.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface NodeAppOptions {
  /** Called like node:http's 'upgrade' event for requests asking for a protocol upgrade. */
  onUpgrade?: UpgradeListener;
}

const ignore = (): void => {};

/** Runs `handler` for one request; returns a promise only when the handler did. */
export const handleNodeRequest = (handler: NodeHandler, env: Env, responder: Responder): void | Promise<void> => {
  const socket = new PorticoSocket(env, responder);
  const req = createRequest(env, socket as unknown as Socket);
  socket.req = req;
  const res = createResponse(req, socket);
  let result: unknown;
  try {
    result = handler(req, res);
  } catch (err) {
    socket.release();
    throw err;
  } finally {
    if (env.body.length === 0) endRequest(req);
  }
  // A handler's return value is not an AppResponse (`(req, res) => res.end()` returns res).
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(ignore, (err: unknown) => {
      if (!responder.headersSent) socket.release();
      throw err;
    });
  }
};

export const nodeApp = (handler: NodeHandler, options: NodeAppOptions = {}): App => {
  if (typeof handler !== 'function') throw new TypeError('nodeApp(handler): handler must be a function (req, res)');
  const onUpgrade = options.onUpgrade;
  if (onUpgrade === undefined) return (env, res) => handleNodeRequest(handler, env, res);
  return (env, res) =>
    env.extensions['portico.upgrade'] === true ? acceptUpgrade(env, res, onUpgrade) : handleNodeRequest(handler, env, res);
};
