// What node:http's server does on each connection, done by Portico's engine
// instead of node's parser. The server (server.ts) hands every accepted socket
// here; the engine (started on the first connection by the function
// `portico/node`'s entry gives, since adapters never import the gateway) serves
// it, and each request comes back to dispatch(), which emits node:http's events
// in node's order: 'upgrade' and 'connect' with the socket, 'dropRequest' and a
// 503 past maxRequestsPerSocket, 'checkContinue' when someone listens, and for
// another expectation 'checkExpectation' when someone listens, else node's 417;
// else 'request'. Node's server properties are read live, as node reads them:
// timeout for each new connection, keepAliveTimeout, headersTimeout and
// requestTimeout whenever the engine looks (its timeouts object has getters),
// keepAliveTimeout and maxRequestsPerSocket for each response's
// Connection/Keep-Alive fields. A malformed request goes to 'clientError'
// listeners, who answer on the socket themselves; without one, Portico answers.

import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Connection, HttpError, Limits, OutgoingResponse, Timeouts } from '../../core/index.js';
import type { App, Env, Responder } from '../env.js';
import { clientError } from './client-error.js';
import type { HeadPolicy } from './exchange.js';
import { judgesOwnPaths, nodeObjects, runHandler, type NodeHandler } from './node-app.js';
import { endRequest, type NodeRequest } from './request.js';
import { forgetSocket, watchSocket } from './socket-events.js';
import { acceptUpgrade } from './upgrade.js';

/** The engine's options, as the node server gives them. */
export interface EngineOptions {
  app: App;
  /** Read live: the server's timeout properties may change after the engine started. */
  timeouts: Timeouts;
  limits: Partial<Limits>;
  /** The sockets are TLS sockets. */
  secure: boolean;
  /** Aborted when the server starts closing (the env's 'portico.closing'). */
  closing: AbortSignal;
  /** A malformed request or a broken limit; true when it was handled here (the engine then writes nothing). */
  error(err: HttpError, res: OutgoingResponse, conn: Connection): boolean;
}

/** Portico's engine on sockets accepted elsewhere. */
export interface Engine {
  /** Serves HTTP on `socket` until it closes or an app takes it over. */
  accept(socket: net.Socket): Connection;
  /** The connections being served. */
  readonly connections: ReadonlySet<Connection>;
}

export type StartEngine = (options: EngineOptions) => Engine;

/** Portico's own settings a node server passes on to its engine (`portico` in createServer's options). */
export interface EngineSettings {
  /** Overrides of the timeouts derived from node's properties. */
  timeouts?: Partial<Timeouts>;
  limits?: Partial<Limits>;
}

/** The node properties read here (set by http.Server's constructor, changed by apps). */
export interface NodeServerProperties extends EventEmitter {
  timeout: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  maxHeadersCount: number | null;
  maxHeaderSize?: number;
  maxRequestsPerSocket: number | null;
}

/** node:http's margin over keepAliveTimeout before it closes an idle socket (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const KEEP_ALIVE_BUFFER_MS = 1000;
const SEND_TIMEOUT_MS = 60_000;

type HttpSocket = net.Socket & { server?: unknown };

/** node:http's own bodiless answer to a request no listener gets (503 past maxRequestsPerSocket, 417). */
const answerBare = (env: Env, req: NodeRequest, res: http.ServerResponse, status: number): void => {
  res.writeHead(status);
  res.end();
  if (env.body.length === 0) endRequest(req);
};

export class EngineHost {
  private engine: Engine | null = null;
  private readonly closingController = new AbortController();
  private policyTimeout = -1;
  private policyMax = -1;
  private policy: HeadPolicy = { options: undefined, last: false };
  private lastPolicy: HeadPolicy = { options: undefined, last: true };
  private readonly app: App = judgesOwnPaths((env, responder) => this.dispatch(env, responder));

  constructor(
    private readonly server: NodeServerProperties,
    private readonly startEngine: StartEngine,
    private readonly settings: EngineSettings,
    private readonly secure: boolean,
  ) {}

  /** A socket node's server accepted ('connection', or 'secureConnection' for TLS). */
  serve(socket: HttpSocket): void {
    socket.server = this.server;
    const timeout = this.server.timeout;
    if (timeout) socket.setTimeout(timeout);
    watchSocket(socket);
    (this.engine ??= this.start()).accept(socket);
  }

  /** Destroys the connections that are not serving a request. */
  closeIdle(): void {
    if (this.engine === null) return;
    for (const conn of [...this.engine.connections]) if (!conn.busy) conn.socket.destroy();
  }

  /** Destroys every connection the engine serves (upgraded sockets are the app's). */
  closeAll(): void {
    if (this.engine === null) return;
    for (const conn of [...this.engine.connections]) conn.socket.destroy();
  }

  /**
   * The server closes (node's close() then closes the idle connections). Busy ones
   * stay open, as on node:http: their next requests still reach the app, which
   * may answer 503 while closing (Fastify does), until the client, the app's
   * Connection: close or keepAliveTimeout ends them; closeAllConnections() is
   * the hard stop. Apps learn of it from the env's 'portico.closing'.
   */
  closing(): void {
    this.closingController.abort();
  }

  private start(): Engine {
    const own = this.settings.timeouts ?? {};
    const server = this.server;
    const limit = (ms: number): number => (ms > 0 ? ms : Infinity);
    const timeouts: Timeouts = {
      get headersMs() {
        return own.headersMs ?? limit(server.headersTimeout);
      },
      get keepAliveMs() {
        return own.keepAliveMs ?? (server.keepAliveTimeout > 0 ? server.keepAliveTimeout + KEEP_ALIVE_BUFFER_MS : Infinity);
      },
      get bodyMs() {
        return own.bodyMs ?? limit(server.requestTimeout);
      },
      get sendMs() {
        return own.sendMs ?? SEND_TIMEOUT_MS;
      },
      get requestMs() {
        return own.requestMs ?? server.requestTimeout;
      },
    };
    const limits: Partial<Limits> = { ...this.settings.limits };
    if (server.maxHeaderSize !== undefined && server.maxHeaderSize > 0) limits.maxHeaderBytes ??= server.maxHeaderSize;
    if (typeof server.maxHeadersCount === 'number' && server.maxHeadersCount > 0) limits.maxHeaderCount ??= server.maxHeadersCount;
    return this.startEngine({
      app: this.app,
      timeouts,
      limits,
      secure: this.secure,
      closing: this.closingController.signal,
      error: (err, res) => this.clientError(err, res),
    });
  }

  /** node:http's 'clientError': a listener answers on the socket, which is then its own. */
  private clientError(err: HttpError, res: OutgoingResponse): boolean {
    if (this.server.listenerCount('clientError') === 0) return false;
    const { socket } = res.detach();
    forgetSocket(socket);
    this.server.emit('clientError', clientError(err), socket);
    return true;
  }

  private dispatch(env: Env, responder: Responder): void | Promise<void> {
    const server = this.server;
    if (env.extensions['portico.upgrade'] === true && server.listenerCount('upgrade') > 0) {
      return acceptUpgrade(env, responder, this.emitUpgrade);
    }
    if (env.method === 'CONNECT') {
      if (server.listenerCount('connect') > 0) return acceptUpgrade(env, responder, this.emitConnect);
      // As node:http, which destroys the socket of a CONNECT nobody listens for.
      responder.abort();
      return;
    }
    const requests = env.extensions['portico.connection']?.requests ?? 1;
    const max = server.maxRequestsPerSocket ?? 0;
    const res = nodeObjects(env, responder, this.headPolicy(env, requests, max));
    const req = res.req as NodeRequest;
    if (max > 0 && requests > max && env.protocol === 'HTTP/1.1') {
      // node:http's answer to a request past the limit (one pipelined behind the last).
      server.emit('dropRequest', req, req.socket);
      return answerBare(env, req, res, 503);
    }
    const expect = env.headers['expect'];
    if (expect === undefined || env.protocol !== 'HTTP/1.1') return runHandler(this.emitRequest, env, req, res);
    if (expect.toLowerCase() === '100-continue') {
      return runHandler(server.listenerCount('checkContinue') > 0 ? this.emitCheckContinue : this.emitRequest, env, req, res);
    }
    // Another expectation (the engine passes it on): a 'checkExpectation' listener answers, else node:http's 417.
    if (server.listenerCount('checkExpectation') > 0) return runHandler(this.emitCheckExpectation, env, req, res);
    answerBare(env, req, res, 417);
  }

  /** node:http's Connection/Keep-Alive fields, one shared object while the properties stay the same. */
  private headPolicy(env: Env, requests: number, max: number): HeadPolicy {
    const timeout = this.server.keepAliveTimeout;
    if (timeout !== this.policyTimeout || max !== this.policyMax) {
      this.policyTimeout = timeout;
      this.policyMax = max;
      // node:http's fields on a response that keeps the connection: "Connection: keep-alive",
      // and "Keep-Alive: timeout=5[, max=N]" while keepAliveTimeout is set.
      const options = { keepAlive: timeout > 0 ? `timeout=${Math.floor(timeout / 1000)}${max > 0 ? `, max=${max}` : ''}` : '' };
      this.policy = { options, last: false };
      this.lastPolicy = { options, last: true };
    }
    return max > 0 && requests >= max && env.protocol === 'HTTP/1.1' ? this.lastPolicy : this.policy;
  }

  private readonly emitRequest: NodeHandler = (req, res) => {
    this.server.emit('request', req, res);
  };

  private readonly emitCheckContinue: NodeHandler = (req, res) => {
    this.server.emit('checkContinue', req, res);
  };

  private readonly emitCheckExpectation: NodeHandler = (req, res) => {
    this.server.emit('checkExpectation', req, res);
  };

  private readonly emitUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    forgetSocket(socket as net.Socket);
    this.server.emit('upgrade', req, socket, head);
  };

  private readonly emitConnect = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    forgetSocket(socket as net.Socket);
    this.server.emit('connect', req, socket, head);
  };
}
