// The objects createServer() and createHttpsServer() return: node's own
// http.Server and https.Server (so a net.Server and a tls.Server, and
// `instanceof http.Server` holds), with node's parser taken off the
// 'connection' event ('secureConnection' for TLS) and Portico's engine put on it
// (engine-host.ts). Everything net.Server does stays node's: listen() in all its
// forms (bound synchronously when no host is given), address() at once,
// _handle, listening, ref()/unref(), maxConnections, getConnections(),
// 'connection' with the real socket, close() and 'close'. What http.Server adds
// on top of its parser is redone on the engine's connections, once for both
// classes (withEngine): closeIdleConnections(), closeAllConnections(), and
// close(), which as node's closes the idle connections and leaves busy ones be.

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { EngineHost, type EngineSettings, type NodeServerProperties, type StartEngine } from './engine-host.js';
import type { NodeHandler } from './node-app.js';

const hosts = new WeakMap<object, EngineHost>();

/**
 * Takes node's connection handling off `server` and gives its sockets to the
 * engine. Called right after node's constructor, when only node's own
 * listeners are on these events.
 */
const attach = (server: http.Server | https.Server, startEngine: StartEngine, settings: EngineSettings, secure: boolean): void => {
  const host = new EngineHost(server as unknown as NodeServerProperties, startEngine, settings, secure);
  hosts.set(server, host);
  const connectionEvent = secure ? 'secureConnection' : 'connection';
  server.removeAllListeners(connectionEvent);
  // node:http's connection tracking (setupConnectionsTracking) gives way to the engine's.
  server.removeAllListeners('listening');
  server.on(connectionEvent, (socket: net.Socket) => host.serve(socket));
};

export class NodeServer extends http.Server {
  constructor(startEngine: StartEngine, settings: EngineSettings = {}, options: http.ServerOptions = {}, handler?: NodeHandler) {
    super(options, handler);
    attach(this, startEngine, settings, false);
  }
}

export class NodeHttpsServer extends https.Server {
  constructor(startEngine: StartEngine, settings: EngineSettings, options: https.ServerOptions, handler?: NodeHandler) {
    super(options, handler);
    attach(this, startEngine, settings, true);
  }
}

type Close = (this: net.Server, callback?: (err?: Error) => void) => net.Server;

/** http.Server's connection methods, on the engine's connections, for both classes. */
const withEngine = (prototype: object): void => {
  const close = (Object.getPrototypeOf(prototype) as { close: Close }).close;
  Object.assign(prototype, {
    /** Destroys the connections that are not serving a request. */
    closeIdleConnections(this: object): void {
      hosts.get(this)?.closeIdle();
    },
    /** Destroys every connection the engine serves (upgraded sockets are the app's). */
    closeAllConnections(this: object): void {
      hosts.get(this)?.closeAll();
    },
    /** Stops listening and closes idle connections, as node's; busy ones stay open until they end. Then 'close'. */
    close(this: net.Server, callback?: (err?: Error) => void): net.Server {
      hosts.get(this)?.closing();
      return close.call(this, callback);
    },
  });
};
withEngine(NodeServer.prototype);
withEngine(NodeHttpsServer.prototype);
