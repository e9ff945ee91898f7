// The component server: one listener (TCP host/port, a Unix socket path, or TLS
// through node:tls), one Connection per accepted socket, each told its peer and
// local addresses and whether it is secure (as Kamaelia's ServerCore told its
// protocol handlers). It tracks connections, caps their number, and shuts down
// gracefully: stop accepting, close idle keep-alive connections, let in-flight
// requests finish (with Connection: close) within a deadline, destroy the rest.
// What serves requests is a generation (generation.ts) built from the options;
// reconfigure() swaps it for new requests without closing the listener (a
// reload): requests in flight finish on the old one, and each old keep-alive
// connection closes after its current or next response.

import type net from 'node:net';
import type tls from 'node:tls';
import { Connection, type ConnectionHandler, type Limits, type PeerAddress, type Timeouts } from '../core/index.js';
import type { App } from '../adapters/env.js';
import { holdStrayErrors } from './request-scope.js';
import type { MountTable } from './router.js';
import type { Logger } from './log.js';
import type { ErrorPages } from './error-pages.js';
import type { AccessLogEntry } from './access-log.js';
import { createListener, reloadTls, type TlsOptions } from './listener.js';
import type { ProxyProtocolOptions } from './proxy-protocol.js';
import type { CompressionOptions } from './compression.js';
import type { RateLimitOptions } from './rate-limit.js';
import { apiLabel, ConfigError, validateOptions } from './config.js';
import { defaultOf } from './options-schema.js';
import { buildGeneration, type Generation, type ServerHooks } from './generation.js';
import { redirectApp, redirectOptions, type RedirectHttpOptions } from './redirect-http.js';
import type { HstsOptions } from './hsts.js';
import { holdServingHooks } from './serving-hooks.js';

export type { TlsOptions };

export interface ServeOptions {
  /** TCP port (0 picks a free one). Default 8080 unless `path` is given. */
  port?: number;
  /** Address to bind. Default "127.0.0.1"; "0.0.0.0" or "::" for all interfaces. */
  host?: string;
  /** A Unix socket path to listen on instead of TCP. */
  path?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: TlsOptions;
  /** The app, or a mount table (prefix → app). */
  app?: App | MountTable;
  /** Same as a mount-table `app`. */
  mounts?: MountTable;
  limits?: Partial<Limits>;
  timeouts?: Partial<Timeouts>;
  /** Most simultaneous connections; more are refused. */
  maxConnections?: number;
  /** Milliseconds close() waits for in-flight requests before cutting them. */
  shutdownTimeoutMs?: number;
  errorPages?: ErrorPages;
  logger?: Logger;
  /** Let CONNECT requests reach apps (else 501). */
  allowConnect?: boolean;
  /**
   * Keep serving a client that half-closed (sent its FIN) until every request it sent
   * is answered. Default false: as on node:http, a FIN while a response is pending
   * means the client is gone; the exchange is aborted (res.signal, onClose with
   * ERR_CLIENT_GONE, 499 in the access log) and the connection closes.
   */
  allowHalfOpen?: boolean;
  /** Called once per exchange when its response closes (gateway/access-log.ts formats and writes it). */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Expect a PROXY protocol v1/v2 header on every connection (behind HAProxy, a cloud load balancer). */
  proxyProtocol?: boolean | ProxyProtocolOptions;
  /** gzip/brotli for compressible responses (gateway/compression.ts). */
  compression?: boolean | CompressionOptions;
  /** Time an app has to send its response head, for mounts that set none (504 past it; 0: no limit). Default 60 000. */
  responseTimeoutMs?: number;
  /** Also listen for plain HTTP on this port and answer 308 to the same URL on HTTPS (gateway/redirect-http.ts). */
  redirectHttp?: number | RedirectHttpOptions;
  /** Strict-Transport-Security on every HTTPS response: true (a year), a max-age, or options (gateway/hsts.ts). */
  hsts?: boolean | number | HstsOptions;
  /**
   * Requests per client address, as nginx's limit_req (gateway/rate-limit.ts): one bucket per
   * address across every mount without a limit of its own (a mount's `rateLimit`, or false for none).
   */
  rateLimit?: RateLimitOptions | false;
}

export interface ServerAddress {
  host: string;
  port: number;
  /** Set for Unix socket listeners. */
  path?: string;
}

export class Server {
  private readonly listener: net.Server;
  private readonly tlsServer: tls.Server | null;
  private readonly abortOpening: () => void;
  private readonly connections = new Set<Connection>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Sockets apps took over (WebSocket tunnels, upgrades): outside the engine, yet still the server's to end. */
  private readonly detached = new Set<net.Socket>();
  private closing: Promise<void> | null = null;
  /** Aborted as shutdown begins, so apps close the connections they took over (env 'portico.closing'). */
  private readonly closingSignal = new AbortController();
  /** Gives back the process listeners that tie stray errors to requests (request-scope.ts). */
  private releaseStrayErrors: () => void = () => {};
  /** Releases what the apps hold while served (serving-hooks.ts: the fetch adapter's light Response). */
  private releaseServingHooks: () => void = () => {};
  /** The HTTP-to-HTTPS redirect listener, when `redirectHttp` asks for one. */
  private readonly redirect: Server | null = null;
  readonly secure: boolean;
  /** Connections accepted since start (the status page's counter). */
  acceptedCount = 0;

  private options: ServeOptions;
  /** What new requests are served with; reconfigure() replaces it. */
  private generation: Generation;
  /** Idle connections of an older generation (or of a lingering close): their next response is their last. */
  private readonly retiring = new Set<Connection>();
  /** close({ lingerIdle }): idle connections get one more request instead of being closed at once. */
  private lingering = false;

  /** What every generation's requests reach the server by. */
  private readonly hooks: ServerHooks = { waitUntil: (p) => this.waitUntil(p), closing: this.closingSignal.signal };

  /** Checks `options` against the schema (options-schema.ts): a ConfigError names the first wrong key. */
  constructor(options: ServeOptions) {
    options = this.options = validateOptions(options, apiLabel, { base: process.cwd(), api: true }) as ServeOptions;
    this.secure = options.tls !== undefined;
    this.generation = buildGeneration(options, this.secure, this.hooks);
    const connectionHandler: ConnectionHandler = {
      request: (head, body, res, conn) => {
        if (this.retiring.size !== 0 && this.retiring.delete(conn)) conn.shutdown();
        this.generation.request(head, body, res, conn);
      },
      error: (err, res, conn, head) => this.generation.error(err, res, conn, head),
      closed: (conn: Connection) => {
        this.connections.delete(conn);
        this.retiring.delete(conn);
        // Still open after the engine let go: the socket was detached.
        const socket = conn.socket;
        if (!socket.destroyed) {
          this.detached.add(socket);
          socket.once('close', () => this.detached.delete(socket));
        }
      },
    };
    if (options.redirectHttp !== undefined) this.redirect = this.redirectServer(redirectOptions(options.redirectHttp));
    const accept = (socket: net.Socket, peer?: PeerAddress): void => {
      if (this.closing && !this.lingering) {
        socket.destroy();
        return;
      }
      this.acceptedCount++;
      const conn = new Connection(socket, this.secure, connectionHandler, this.generation.connectionOptions, peer);
      this.connections.add(conn);
      // Finished its TLS handshake or PROXY header during a lingering close: one exchange, then closed.
      if (this.closing) this.retiring.add(conn);
    };
    const listener = createListener({ tls: options.tls, proxyProtocol: options.proxyProtocol, accept });
    this.listener = listener.server;
    this.tlsServer = listener.tls;
    this.abortOpening = listener.abortOpening;
    if (options.maxConnections !== undefined) this.listener.maxConnections = options.maxConnections;
  }

  /** The redirect listener's options: the main one's limits, timeouts, logs and pages, one app. */
  private redirectServerOptions(o: RedirectHttpOptions): ServeOptions {
    const { limits, timeouts, maxConnections, shutdownTimeoutMs, errorPages, logger, accessLog, proxyProtocol } = this.options;
    return {
      port: o.port, host: o.host ?? this.options.host, limits, timeouts, maxConnections, shutdownTimeoutMs, errorPages, logger, accessLog, proxyProtocol,
      app: redirectApp(() => o.httpsPort ?? this.address.port),
    };
  }

  private redirectServer(o: RedirectHttpOptions): Server {
    if (!this.secure && o.httpsPort === undefined) throw new ConfigError('redirectHttp: needs tls (or httpsPort, when TLS ends in front of Portico)');
    return new Server(this.redirectServerOptions(o));
  }

  /**
   * Serves new requests with `options` from now on (a reload): mounts, limits,
   * timeouts, logs, error pages, rate limits, HSTS, the TLS certificate. Checked
   * as the constructor checks them; what belongs to the listening socket (port,
   * host, path, TLS on or off, the PROXY protocol, the redirect listener) may be
   * left out, and cannot change: a ConfigError says so. Requests in flight finish as they started;
   * every open connection gets Connection: close on its current response or,
   * when idle, on its next one (closing an idle keep-alive connection now could
   * race a request the client is sending), so clients move to new connections.
   */
  reconfigure(options: ServeOptions): void {
    const checked = validateOptions(options, apiLabel, { base: process.cwd(), api: true }) as ServeOptions;
    const changed = keepListener(this.options, checked);
    if (changed !== null) throw new ConfigError(`${apiLabel(changed)} belongs to the listening socket and cannot change on reload; restart instead`);
    if (this.closing !== null) throw new Error('Server is closing');
    const next = buildGeneration(checked, this.secure, this.hooks, this.generation);
    if (checked.tls !== undefined && this.tlsServer !== null) reloadTls(this.tlsServer, checked.tls);
    this.options = checked;
    this.generation = next;
    if (this.listener.listening) {
      // The new apps' holds first, so that state both generations need is never dropped in between.
      const previous = this.releaseServingHooks;
      this.releaseServingHooks = holdServingHooks(checked);
      previous();
    }
    this.listener.maxConnections = checked.maxConnections ?? Infinity;
    if (this.redirect !== null && checked.redirectHttp !== undefined) this.redirect.reconfigure(this.redirectServerOptions(redirectOptions(checked.redirectHttp)));
    for (const conn of this.connections) {
      if (conn.busy) conn.shutdown();
      else this.retiring.add(conn);
    }
  }

  /** Where the redirect listener listens; null without one. */
  get redirectAddress(): ServerAddress | null {
    return this.redirect === null ? null : this.redirect.address;
  }

  /** Starts listening (and the redirect listener, if any); rejects with the listen error (EADDRINUSE...). */
  async listen(): Promise<this> {
    await this.listenOwn();
    if (this.redirect !== null) {
      try {
        await this.redirect.listen();
      } catch (err) {
        await this.close();
        throw err;
      }
    }
    return this;
  }

  private listenOwn(): Promise<this> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.listener.once('error', onError);
      const done = (): void => {
        this.listener.off('error', onError);
        this.releaseStrayErrors = holdStrayErrors();
        this.releaseServingHooks = holdServingHooks(this.options);
        resolve(this);
      };
      if (this.options.path !== undefined) this.listener.listen(this.options.path, done);
      else this.listener.listen(this.options.port ?? defaultOf('port'), this.options.host ?? defaultOf('host'), done);
    });
  }

  get address(): ServerAddress {
    const a = this.listener.address();
    if (typeof a === 'string') return { host: 'localhost', port: 0, path: a };
    if (a === null) throw new Error('Server is not listening');
    return { host: a.address, port: a.port };
  }

  /** The base URL clients use, e.g. "http://127.0.0.1:8080". */
  get url(): string {
    const a = this.address;
    if (a.path !== undefined) return `http://localhost`;
    const host = a.host.includes(':') ? `[${a.host}]` : a.host;
    return `${this.secure ? 'https' : 'http'}://${host}:${a.port}`;
  }

  /** Open connections (idle or busy). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Keeps graceful shutdown waiting for `promise` (the Fetch `waitUntil`). */
  waitUntil(promise: Promise<unknown>): void {
    const p = Promise.resolve(promise).catch(() => {});
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Replaces the TLS key and certificate for new connections. */
  setSecureContext(options: TlsOptions): void {
    this.reloadTls(options);
  }

  /** Replaces the TLS key and certificate for new connections (SIGHUP); open ones are untouched. Throws on a bad pair. */
  reloadTls(options: TlsOptions): void {
    if (this.tlsServer === null) throw new Error('Not a TLS server');
    reloadTls(this.tlsServer, options);
  }

  /**
   * Graceful shutdown; resolves when every connection is closed. Idle keep-alive
   * connections are closed at once, unless `lingerIdle` (a worker retired by a
   * rolling reload while others keep accepting on the same port): then each
   * serves one more request, with Connection: close, or times out idle, within
   * the deadline, so a client sending on it just then is answered, not reset.
   */
  close(options: { lingerIdle?: boolean } = {}): Promise<void> {
    if (this.closing === null) {
      this.lingering = options.lingerIdle === true;
      this.closing = Promise.all([this.shutdown(), this.redirect?.close(options)]).then(() => {});
    }
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    if (!this.lingering) this.abortOpening();
    for (const conn of this.connections) {
      if (this.lingering && !conn.busy) this.retiring.add(conn);
      else conn.shutdown();
    }
    // Before the drain loop's first look: an app answering it with waitUntil(promise) is waited for.
    this.closingSignal.abort();
    const deadline = this.options.shutdownTimeoutMs ?? defaultOf('shutdownTimeoutMs');
    let expired = false;
    const drained = (async () => {
      // Stops at the deadline too: a waitUntil promise that never settles must not
      // keep this loop (and so the process) alive after close() resolved.
      while (!expired && (this.connections.size > 0 || this.pending.size > 0)) {
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadline);
    });
    await Promise.race([drained, timedOut]);
    expired = true;
    clearTimeout(timer);
    this.abortOpening();
    for (const conn of this.connections) conn.destroy();
    // Without this, an open WebSocket would hold the listener's close() forever.
    for (const socket of this.detached) socket.destroy();
    await stopped;
    this.releaseStrayErrors();
    this.releaseServingHooks();
  }
}

const LISTENER_KEYS = ['port', 'host', 'path', 'proxyProtocol', 'redirectHttp', 'tls'] as const;

/**
 * The listening socket's options cannot change on reload: those `next` leaves
 * out are copied from `current` into it; the first it gives with another value
 * (TLS: turned on or off; a new certificate is fine) is returned, else null.
 */
const keepListener = (current: ServeOptions, next: ServeOptions): keyof ServeOptions | null => {
  for (const key of LISTENER_KEYS) {
    if (next[key] === undefined) (next as Record<string, unknown>)[key] = current[key];
    else if (key === 'tls' ? current.tls === undefined : JSON.stringify(current[key]) !== JSON.stringify(next[key])) return key;
  }
  return null;
};

/** Starts a server: `const server = await serve({ port: 8080, app })`. */
export const serve = async (options: ServeOptions): Promise<Server> => new Server(options).listen();
