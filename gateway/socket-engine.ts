// Portico's HTTP on sockets accepted elsewhere: the engine without a listener.
// portico/node's createServer() returns node's own http.Server, a net.Server,
// so its sockets come from the server's 'connection' event rather than from
// serve()'s listener (server.ts, listener.ts). Each gets an engine Connection
// with serve()'s request handling, built the way serve() builds it
// (generation.ts: env, error pages, logging, the app's containment), one app at
// the root, and the set of live connections is kept for closeIdleConnections()
// and closeAllConnections(). The timeouts object is read live, not copied, so
// that node's server properties changed after createServer() still count.
// CONNECT, `OPTIONS *` and expectations other than 100-continue reach the app,
// as on node:http.

import type net from 'node:net';
import { Connection, Sweeper, type ConnectionHandler, type HttpError, type Limits, type OutgoingResponse, type Timeouts } from '../core/index.js';
import type { App } from '../adapters/env.js';
import { buildGeneration } from './generation.js';
import type { ServeOptions } from './server.js';

/** serve()'s options that mean something on a node server's connections. */
export type SocketEngineSettings = Pick<ServeOptions, 'logger' | 'errorPages' | 'accessLog' | 'allowHalfOpen' | 'responseTimeoutMs' | 'compression'>;

export interface SocketEngineOptions extends SocketEngineSettings {
  app: App;
  limits?: Partial<Limits>;
  /** Read live: the owner may change a timeout after the engine started. */
  timeouts: Timeouts;
  /** The sockets are TLS sockets (the env says https). */
  secure?: boolean;
  /** Aborted when the owner starts closing (the env's 'portico.closing'). */
  closing?: AbortSignal;
  /** Called for a malformed request or a broken limit before Portico answers it; true: it was handled (the engine writes nothing). */
  error?: (err: HttpError, res: OutgoingResponse, conn: Connection) => boolean;
}

export interface SocketEngine {
  /** Serves HTTP on `socket` until it closes or an app takes it over. */
  accept(socket: net.Socket): Connection;
  /** The connections being served. */
  readonly connections: ReadonlySet<Connection>;
}

const ignore = (): void => {};

export const socketEngine = (options: SocketEngineOptions): SocketEngine => {
  const connections = new Set<Connection>();
  const { app, timeouts, secure = false, closing = new AbortController().signal, error, ...settings } = options;
  const generation = buildGeneration(
    // node:http waits for an app for ever; a Portico limit is opt-in here.
    { ...settings, app, responseTimeoutMs: settings.responseTimeoutMs ?? 0 },
    secure,
    // No graceful wait on a node server: its close() is node's.
    { waitUntil: (p) => void Promise.resolve(p).catch(ignore), closing, asteriskToApp: true },
  );
  const connectionOptions = { ...generation.connectionOptions, timeouts, sweeper: Sweeper.forTimeouts({ ...timeouts }), allowConnect: true, passExpectations: true };
  const handle = generation.error;
  const connectionHandler: ConnectionHandler = {
    request: generation.request,
    error: error === undefined ? handle : (err, res, conn, head) => void (error(err, res, conn) || handle(err, res, conn, head)),
    closed: (conn) => void connections.delete(conn),
  };
  return {
    connections,
    accept: (socket) => {
      const conn = new Connection(socket, secure, connectionHandler, connectionOptions);
      connections.add(conn);
      return conn;
    },
  };
};
