// The listeners node:http puts on every connection's socket, for what the
// engine does not do itself: 'timeout' (server.timeout, req.setTimeout(),
// res.setTimeout()) is offered to the request, the response and the server, and
// the socket is destroyed when none of them takes it, as node's socketOnTimeout
// does; socket errors (ECONNRESET...) are reported as the server's
// 'clientError'. An upgrade hands the socket on without them (forgetSocket), as
// node:http does.

import type { Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

type HttpSocket = Socket & { _httpMessage?: ServerResponse | null; server?: EventEmitter | null };

export function onSocketTimeout(this: HttpSocket): void {
  const res = this._httpMessage ?? null;
  const req = (res as (ServerResponse & { req?: IncomingMessage }) | null)?.req;
  const reqTimeout = req !== undefined && !req.complete && req.emit('timeout', this);
  const resTimeout = res !== null && res.emit('timeout', this);
  const serverTimeout = this.server?.emit('timeout', this) === true;
  if (!reqTimeout && !resTimeout && !serverTimeout) this.destroy();
}

export function onSocketError(this: HttpSocket, err: Error): void {
  const server = this.server;
  if (server !== null && server !== undefined && server.listenerCount('clientError') > 0) server.emit('clientError', err, this);
}

export const watchSocket = (socket: Socket): void => {
  socket.on('timeout', onSocketTimeout);
  socket.on('error', onSocketError);
};

/** An upgraded socket is the app's: node:http's own listeners go. */
export const forgetSocket = (socket: Socket): void => {
  socket.off('timeout', onSocketTimeout);
  socket.off('error', onSocketError);
};
