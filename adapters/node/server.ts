// The object http.createServer() returns, as far as apps and test tools use
// it: listen() in node:http's argument forms with a 'listening' event (and the
// callback), listen errors such as EADDRINUSE as 'error' events, address(),
// close(cb) (graceful: idle keep-alive connections close now, busy ones after
// their response), and 'request' and 'upgrade' events. Underneath is a Portico
// server: this file cannot import the gateway (adapters never do), so the
// function that starts one is given to the constructor by `portico/node`'s
// entry (gateway/node-entry.ts), which is where createServer() lives.

import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Limits, Timeouts } from '../../core/index.js';
import type { App } from '../env.js';
import { handleNodeRequest } from './node-app.js';
import { acceptUpgrade } from './upgrade.js';

/** A Portico server as the start function returns it: bound at once where the system allows. */
export interface ListeningServer {
  /** Throws until the listener is bound. */
  readonly address: { host: string; port: number; path?: string };
  close(): Promise<void>;
}

export interface StartedServer {
  server: ListeningServer;
  /** Settles once listening, or with the listen error (EADDRINUSE...). */
  listening: Promise<unknown>;
}

export interface StartOptions {
  app: App;
  port?: number;
  host?: string;
  path?: string;
  timeouts?: Partial<Timeouts>;
  limits?: Partial<Limits>;
}

export type StartServer = (options: StartOptions) => StartedServer;

export interface ListenOptions {
  port?: number | string;
  host?: string;
  path?: string;
  backlog?: number;
}

type ListenArgs = [ListenOptions | number | string | (() => void) | undefined, ...unknown[]];

const NODE_HEADERS_TIMEOUT = 60_000;

export class NodeServer extends EventEmitter {
  /** Idle keep-alive connections close after this (Portico's keepAliveMs). */
  keepAliveTimeout = 5_000;
  /** The whole request head must arrive within this (Portico's headersMs), when changed from Node's default. */
  headersTimeout = NODE_HEADERS_TIMEOUT;
  /** Most header fields per request (Portico's maxHeaderCount), when set. */
  maxHeadersCount: number | null = null;
  private server: ListeningServer | null = null;
  /** Started but not yet listening: address() answers as soon as the listener is bound. */
  private pending: ListeningServer | null = null;
  private readonly app: App;

  constructor(
    private readonly start: StartServer,
    handler?: (req: IncomingMessage, res: ServerResponse) => unknown,
  ) {
    super();
    if (handler !== undefined) this.on('request', handler);
    const emitRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.emit('request', req, res);
    };
    const emitUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      this.emit('upgrade', req, socket, head);
    };
    // As node:http: an upgrade request with no 'upgrade' listener is an ordinary request.
    this.app = (env, res) =>
      env.extensions['portico.upgrade'] === true && this.listenerCount('upgrade') > 0
        ? acceptUpgrade(env, res, emitUpgrade)
        : handleNodeRequest(emitRequest, env, res);
  }

  get listening(): boolean {
    return this.server !== null;
  }

  listen(...args: ListenArgs): this {
    if (this.server !== null || this.pending !== null) {
      throw Object.assign(new Error('Listen method has been called more than once without closing.'), {
        code: 'ERR_SERVER_ALREADY_LISTEN',
      });
    }
    const { port, host, path, cb } = parseListenArgs(args);
    if (cb !== undefined) this.once('listening', cb);
    const timeouts: Partial<Timeouts> = { keepAliveMs: this.keepAliveTimeout };
    if (this.headersTimeout !== NODE_HEADERS_TIMEOUT && this.headersTimeout > 0) timeouts.headersMs = this.headersTimeout;
    const limits: Partial<Limits> = {};
    if (this.maxHeadersCount !== null && this.maxHeadersCount > 0) limits.maxHeaderCount = this.maxHeadersCount;
    const options: StartOptions = { app: this.app, timeouts, limits };
    if (path !== undefined) options.path = path;
    else options.port = port;
    // Like net.Server: no host means every interface, IPv6 and IPv4 where the system has both.
    const anyHost = host === undefined && path === undefined;
    this.startOn({ ...options, host: anyHost ? '::' : host }, anyHost);
    return this;
  }

  private startOn(options: StartOptions, retryOnIPv4: boolean): void {
    const started = this.start(options);
    this.pending = started.server;
    started.listening.then(
      () => {
        this.pending = null;
        this.server = started.server;
        this.emit('listening');
      },
      (err: unknown) => {
        this.pending = null;
        const code = (err as { code?: string }).code;
        if (retryOnIPv4 && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) this.startOn({ ...options, host: '0.0.0.0' }, false);
        else this.emit('error', err);
      },
    );
  }

  address(): AddressInfo | string | null {
    const server = this.server ?? this.pending;
    if (server === null) return null;
    let a;
    try {
      a = server.address;
    } catch {
      return null; // not bound yet
    }
    if (a.path !== undefined) return a.path;
    return { address: a.host, family: a.host.includes(':') ? 'IPv6' : 'IPv4', port: a.port };
  }

  /** Stops accepting; idle connections close at once, busy ones after their response; then 'close'. */
  close(cb?: (err?: Error) => void): this {
    if (this.pending !== null) {
      this.once('listening', () => this.close(cb));
      return this;
    }
    const server = this.server;
    if (server === null) {
      if (cb !== undefined) {
        const err = Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
        process.nextTick(cb, err);
      }
      return this;
    }
    this.server = null;
    if (cb !== undefined) this.once('close', cb);
    void server.close().then(() => this.emit('close'));
    return this;
  }

  /** Harmless: Portico's own timeouts govern connections. */
  setTimeout(_ms?: number, cb?: () => void): this {
    if (cb !== undefined) this.on('timeout', cb);
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

const parseListenArgs = (args: ListenArgs): { port: number; host?: string; path?: string; cb?: () => void } => {
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as () => void) : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    const o = first as ListenOptions;
    if (o.path !== undefined) return { port: 0, path: o.path, cb };
    return { port: toPort(o.port), host: o.host, cb };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { port: 0, path: first, cb };
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  return { port: toPort(typeof first === 'function' ? undefined : first), host, cb };
};

const toPort = (port: number | string | undefined): number => {
  if (port === undefined || port === null) return 0;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw Object.assign(new RangeError(`options.port should be >= 0 and < 65536. Received ${String(port)}.`), {
      code: 'ERR_SOCKET_BAD_PORT',
    });
  }
  return n;
};
