// Upgrade requests (WebSocket, h2c...) reach a node:http app the way the
// server's 'upgrade' event delivers them: (req, socket, head), where the socket
// is the real connection, taken from the engine with responder.detach(), and
// head holds the bytes the client sent after the request head. From then on the
// app owns the socket (the `ws` package writes its own 101 and frames).

import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Env, Responder } from '../env.js';
import { describeRequest, endRequest, type NodeRequest } from './request.js';

export type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export const acceptUpgrade = (env: Env, responder: Responder, listener: UpgradeListener): void => {
  // detach() leaves the socket neither flowing nor paused, as node:http does after an
  // upgrade: bytes wait until the new owner adds its 'data' listener, even a tick later.
  const { socket, head } = responder.detach();
  const req = new http.IncomingMessage(socket) as NodeRequest;
  describeRequest(req, env);
  req.upgrade = true;
  endRequest(req);
  try {
    listener(req, socket, head);
  } catch (err) {
    socket.destroy();
    throw err;
  }
};
