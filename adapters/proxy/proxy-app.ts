// The reverse proxy: proxyApp({ upstream }) forwards each request to one
// upstream origin through an undici Pool, using undici's dispatch() handler
// API so that neither direction buffers. The request body is handed to undici
// as the env's own async iterable (undici waits for its socket to drain between
// chunks, and Portico stops reading the client while the body is unread); the
// response body is written to the responder as undici delivers it, pausing
// undici's socket whenever the client is behind and resuming on drain.
// Failures before the response started become 502 (cannot reach or talk to the
// upstream) or 504 (it did not answer in time); after, the client connection is
// cut so a truncated body never looks complete. Upgrade requests (WebSocket)
// take a separate path: a raw tunnel (upgrade.ts).

import { Pool, type Dispatcher } from 'undici';
import type { ConnectionOptions as TlsConnectOptions } from 'node:tls';
import type { App, Env, Responder } from '../env.js';
import { optionKeys, refuseUnknownOptions } from '../known-options.js';
import { requestFields, responseFields, type ForwardOptions } from './headers.js';
import { tunnelUpgrade } from './upgrade.js';
import { consoleLogger, sendProxyError, type ProxyLogger } from './proxy-error.js';
import { invalidOption } from '../option-error.js';

export interface ProxyOptions {
  /** The upstream's URL: origin and an optional base path ("http://127.0.0.1:3000/api"). */
  upstream: string;
  /** Milliseconds to wait for the upstream's response head, and between body chunks (504 / cut). Default 60 s. */
  timeoutMs?: number;
  /** Milliseconds to wait for the response head; overrides timeoutMs for the head. */
  headersTimeoutMs?: number;
  /** Milliseconds to wait for a TCP (and TLS) connection to the upstream. Default 10 s. */
  connectTimeoutMs?: number;
  /** Send the client's Host upstream (else the upstream's own host:port). Default false. */
  preserveHost?: boolean;
  /** Most connections to the upstream. Default 128. */
  connections?: number;
  /** TLS options for an https upstream (ca, rejectUnauthorized, servername...). */
  tls?: TlsConnectOptions;
  /** The Via pseudonym (RFC 9110 §7.6.3); false to send no Via. Default "portico". */
  via?: string | false;
  /** Where upstream failures are logged. Default: stderr. */
  logger?: ProxyLogger;
  /** Use this undici dispatcher instead of a Pool of the proxy's own. */
  dispatcher?: Dispatcher;
}

export interface ProxyApp extends App {
  /** Closes the proxy's pooled upstream connections. */
  close(): Promise<void>;
}

export interface ResolvedProxy {
  url: URL;
  basePath: string;
  forward: ForwardOptions;
  headersTimeout: number;
  connectTimeout: number;
  tls: TlsConnectOptions | undefined;
  logger: ProxyLogger;
}

const KNOWN = optionKeys({ upstream: 1, timeoutMs: 1, headersTimeoutMs: 1, connectTimeoutMs: 1, preserveHost: 1, connections: 1, tls: 1, via: 1, logger: 1, dispatcher: 1 } satisfies Record<keyof ProxyOptions, 1>);

export const proxyApp = (options: ProxyOptions): ProxyApp => {
  refuseUnknownOptions('proxyApp', options, KNOWN);
  const url = new URL(options.upstream);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption(`proxyApp: upstream must be an http: or https: URL, not ${options.upstream}`);
  const timeout = options.timeoutMs ?? 60_000;
  const config: ResolvedProxy = {
    url,
    basePath: url.pathname.replace(/\/+$/, ''),
    forward: { preserveHost: options.preserveHost ?? false, upstreamHost: url.host, via: options.via === false ? null : (options.via ?? 'portico') },
    headersTimeout: options.headersTimeoutMs ?? timeout,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    tls: options.tls,
    logger: options.logger ?? consoleLogger,
  };
  const dispatcher =
    options.dispatcher ??
    new Pool(url.origin, {
      connections: options.connections ?? 128,
      headersTimeout: config.headersTimeout,
      bodyTimeout: timeout,
      connect: { timeout: config.connectTimeout, ...options.tls },
    });
  const app = ((env: Env, res: Responder) => {
    if (env.extensions['portico.upgrade'] === true && env.body.length === 0 && !isH2c(env)) return tunnelUpgrade(env, res, config);
    forward(dispatcher, env, res, config);
  }) as ProxyApp;
  app.close = () => (options.dispatcher ? Promise.resolve() : dispatcher.close());
  return app;
};

/**
 * `Upgrade: h2c` (curl --http2) asks to switch this very connection to HTTP/2,
 * which Portico does not speak: the upgrade is dropped (it is hop-by-hop) and
 * the request forwarded as HTTP/1.1, as RFC 9110 §7.8 lets a server ignore it.
 */
const isH2c = (env: Env): boolean => /^\s*h2c\s*$/i.test(env.headers['upgrade'] ?? '');

/** The upstream path: its base path, then the path below the mount still encoded, then the query. */
export const upstreamPath = (env: Env, basePath: string): string => {
  const path = basePath + env.rawPathInfo;
  const withSlash = path === '' ? '/' : path;
  return env.queryString === '' ? withSlash : withSlash + '?' + env.queryString;
};

const forward = (dispatcher: Dispatcher, env: Env, res: Responder, config: ResolvedProxy): void => {
  const handler = new ForwardHandler(env, res, config);
  dispatcher.dispatch(
    {
      origin: config.url.origin,
      method: env.method,
      path: upstreamPath(env, config.basePath),
      headers: requestFields(env, config.forward, false),
      body: env.body.length === 0 ? null : iterableBody(env),
      // Requests are not retried: a POST may already have had its effect.
      idempotent: false,
      reset: false,
    },
    handler,
  );
};

/**
 * undici streams any async iterable, awaiting its socket's drain between
 * chunks. The env's body is wrapped because undici calls `body.read(0)` on
 * anything with a read() method (to probe a Readable for EOF), and
 * RequestBody.read() would hand it, and so lose, the first chunk.
 */
const iterableBody = (env: Env): Dispatcher.DispatchOptions['body'] =>
  ({ [Symbol.asyncIterator]: () => env.body[Symbol.asyncIterator]() }) as unknown as Dispatcher.DispatchOptions['body'];

/** undici's handler for one exchange (the controller-based API of undici 7). */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private waitingForDrain = false;
  /** When the exchange was handed to undici: the start of nginx's $upstream_response_time. */
  private readonly started = performance.now();

  constructor(
    private readonly env: Env,
    private readonly res: Responder,
    private readonly config: ResolvedProxy,
  ) {
    res.onClose((err) => {
      // The client left: stop the upstream exchange too.
      if (err !== undefined) this.controller?.abort(err);
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.aborted) controller.abort(new Error('Client closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (this.res.aborted) return;
    if (status < 200) {
      // 103 Early Hints are worth passing on; 100 Continue was the engine's business.
      if (status === 103) this.res.writeInformational(103, responseFields(headers));
      return;
    }
    try {
      this.res.writeHead(status, responseFields(headers));
    } catch (err) {
      // A field the engine refuses to send (it would break the framing): the upstream is at fault.
      controller.abort(err as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.res;
    if (res.aborted) return;
    if (!res.write(chunk) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      controller.pause();
      res.onDrain(() => {
        this.waitingForDrain = false;
        controller.resume();
      });
    }
  }

  /** Notes the upstream's time for the access log, before the response closes (and is logged). */
  private noteUpstream(): void {
    const facts = this.env.extensions['portico.exchange'];
    if (facts === undefined) return;
    facts.upstreamResponseMs = performance.now() - this.started;
    const url = this.config.url;
    facts.upstreamAddress = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.noteUpstream();
    if (this.res.aborted || this.res.ended) return;
    const fields = responseFields(trailers);
    this.res.end(undefined, fields.length === 0 ? undefined : fields);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.noteUpstream();
    sendProxyError(this.env, this.res, this.config, err);
  }
}
