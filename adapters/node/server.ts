// The objects createServer() and createHttpsServer() return: node's own
// http.Server and https.Server (so a net.Server and a tls.Server, and
// `instanceof http.Server` holds), with node's parser taken off the
// 'connection' event ('secureConnection' for TLS) and Portico's engine put on it
// (engine-host.ts). Everything net.Server does stays node's: listen() in all its
// forms (bound synchronously when no host is given), address() at once,
// _handle, listening, ref()/unref(), maxConnections, getConnections(),
// 'connection' with the real socket, close() and 'close'. What http.Server adds
// on top of its parser is redone on the engine's connections:
// closeIdleConnections(), closeAllConnections(), and close() that lets busy
// connections finish their response before they close.

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { EngineHost, type EngineSettings, type NodeServerProperties, type StartEngine } from './engine-host.js';
import type { NodeHandler } from './node-app.js';

/**
 * Takes node's connection handling off `server` and gives its sockets to the
 * engine. Called right after node's constructor, when only node's own
 * listeners are on these events.
 */
const attach = (server: http.Server | https.Server, connectionEvent: 'connection' | 'secureConnection', host: EngineHost): void => {
  server.removeAllListeners(connectionEvent);
  // node:http's connection tracking (setupConnectionsTracking) gives way to the engine's.
  server.removeAllListeners('listening');
  server.on(connectionEvent, (socket: net.Socket) => host.serve(socket));
};

export class NodeServer extends http.Server {
  readonly #host: EngineHost;

  constructor(startEngine: StartEngine, settings: EngineSettings = {}, options: http.ServerOptions = {}, handler?: NodeHandler) {
    super(options, handler);
    this.#host = new EngineHost(this as unknown as NodeServerProperties, startEngine, settings, false);
    attach(this, 'connection', this.#host);
  }

  override closeIdleConnections(): void {
    this.#host.closeIdle();
  }

  override closeAllConnections(): void {
    this.#host.closeAll();
  }

  /** Stops listening, closes idle connections; busy ones close once their response is out. Then 'close'. */
  override close(callback?: (err?: Error) => void): this {
    this.#host.shutdownBusy();
    return super.close(callback);
  }
}

export class NodeHttpsServer extends https.Server {
  readonly #host: EngineHost;

  constructor(startEngine: StartEngine, settings: EngineSettings, options: https.ServerOptions, handler?: NodeHandler) {
    super(options, handler);
    this.#host = new EngineHost(this as unknown as NodeServerProperties, startEngine, settings, true);
    attach(this, 'secureConnection', this.#host);
  }

  override closeIdleConnections(): void {
    this.#host.closeIdle();
  }

  override closeAllConnections(): void {
    this.#host.closeAll();
  }

  override close(callback?: (err?: Error) => void): this {
    this.#host.shutdownBusy();
    return super.close(callback);
  }
}
