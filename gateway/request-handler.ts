// The gateway's side of every connection: turns a parsed request into the env,
// routes it, calls the app and contains its failures. An app that throws or
// rejects before its response started gets a 500 error page and the connection
// lives on; one that fails after the head went out has its connection cut, so
// the client sees a truncated response. Either way the error log names the mount.
// The app runs inside a request scope (request-scope.ts), so a throw or rejection
// that escapes it later fails this request too; and every mount has a time to
// the response head (response-deadline.ts).

import { BadPathError, normalizePath, skipSegments, HttpError, type Connection, type ConnectionHandler, type OutgoingResponse, type RequestBody, type RequestHead } from '../core/index.js';
import { ACCEPTS_UNDECODED_PATHS, type App, type AppResponse, type Env, type ErrorPageInfo, type ExchangeFacts } from '../adapters/env.js';
import { sendResponse } from '../adapters/respond.js';
import { type ErrorInfo, type ErrorPages, renderErrorPage } from './error-pages.js';
import type { Router } from './router.js';
import type { Logger } from './log.js';
import type { AccessLogEntry } from './access-log.js';
import { runInScope, strayErrorsHeld, type RequestScope, type StrayKind } from './request-scope.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, ResponseDeadlines } from './response-deadline.js';

export interface HandlerOptions {
  router: Router;
  errorPages?: ErrorPages;
  logger: Logger;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Aborted when graceful shutdown begins (the env's 'portico.closing'). */
  closing?: AbortSignal;
  /** Called once per exchange when its response closes (access log, status counters). */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Time to the response head for mounts that do not set theirs; 0 for none. */
  responseTimeoutMs?: number;
  /** `OPTIONS *` goes to the app at the root (node:http's way) instead of the server's own answer. */
  asteriskToApp?: boolean;
}

export class RequestHandler implements ConnectionHandler {
  /** The env's 'portico.errorPage': one function for every request (the Accept field is an argument). */
  private readonly renderErrorPage: (info: ErrorPageInfo, accept: string | undefined) => AppResponse;

  private readonly responseTimeoutMs: number;
  private readonly deadlines: ResponseDeadlines;

  constructor(private readonly options: HandlerOptions) {
    this.renderErrorPage = (info, accept) => this.page({ ...info, accept });
    this.responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    const timeouts = options.router.mounts.map((m) => m.responseTimeoutMs ?? this.responseTimeoutMs).filter((ms) => ms > 0);
    this.deadlines = new ResponseDeadlines(Math.min(...timeouts, DEFAULT_RESPONSE_TIMEOUT_MS));
  }

  request(head: RequestHead, body: RequestBody, res: OutgoingResponse, conn: Connection): void {
    // Opt-in, so a server without an access log pays one property check per request.
    const facts = this.options.accessLog !== undefined ? this.logOnClose(head, res, conn) : undefined;
    let target = head.parsedTarget.form === 'absolute' ? head.parsedTarget.originForm : head.target;
    if (head.parsedTarget.form === 'asterisk' || head.parsedTarget.form === 'authority') {
      // OPTIONS * asks about the server as a whole (RFC 9110 §9.3.7): a mount table's server
      // answers it; a node server's app does (req.url '*'), as on node:http.
      if (head.method === 'OPTIONS' && this.options.asteriskToApp !== true) {
        res.writeHead(200, { allow: 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS' });
        res.end();
        return;
      }
      target = '/';
    }
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    const queryString = q === -1 ? '' : target.slice(q + 1);
    let path;
    let badPath: BadPathError | null = null;
    try {
      path = normalizePath(rawPath);
    } catch (err) {
      if (!(err instanceof BadPathError)) throw err;
      // Routed on the raw path all the same: an app that judges such paths itself (node:http apps) gets it.
      badPath = err;
      path = { path: rawPath, rawPath };
    }
    const { serverName, serverPort } = this.authorityOf(head.authority, head.parsedTarget.scheme, conn);
    const route = this.options.router.route(head.method, path.path, serverName);
    if (badPath !== null && (route.kind !== 'found' || (route.mount.app as { [ACCEPTS_UNDECODED_PATHS]?: boolean })[ACCEPTS_UNDECODED_PATHS] !== true)) {
      return this.sendError(res, { status: 400, message: badPath.message, accept: head.headers['accept'] });
    }
    if (route.kind === 'not-found') {
      return this.sendError(res, { status: 404, message: 'No app is mounted at this path.', accept: head.headers['accept'] });
    }
    if (route.kind === 'method-not-allowed') {
      return this.sendError(res, {
        status: 405,
        message: 'Method not allowed here.',
        accept: head.headers['accept'],
        headers: { allow: route.allow.join(', ') },
      });
    }
    const mount = route.mount;
    if (facts !== undefined) facts.mount = mount.prefix;
    if (mount.maxBodyBytes !== null) {
      // The engine holds the body to the mount's limit; a declared length already
      // over it is its 413, rendered here in place of the app.
      try {
        body.limit(mount.maxBodyBytes);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        return this.sendError(res, { status: err.status, message: err.message, code: err.code, accept: head.headers['accept'] });
      }
    }
    const env: Env = {
      method: head.method,
      scriptName: route.scriptName,
      pathInfo: route.pathInfo,
      rawPathInfo: path.rawPath === path.path ? route.pathInfo : skipSegments(path.rawPath, mount.depth),
      queryString,
      target: head.target,
      protocol: head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0',
      headers: head.headers,
      rawHeaders: head.rawHeaders,
      body,
      scheme: conn.secure ? 'https' : 'http',
      serverName,
      serverPort,
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
      localAddress: conn.localAddress,
      localPort: conn.localPort,
      secure: conn.secure,
      extensions: {
        'portico.mount': mount.prefix,
        'portico.waitUntil': this.options.waitUntil,
        'portico.connection': conn,
        'portico.upgrade': head.upgrade,
        'portico.closing': this.options.closing,
        'portico.logger': this.options.logger,
        'portico.errorPage': this.renderErrorPage,
        'portico.exchange': facts,
      },
    };
    this.invoke(mount.app, env, res, mount.prefix || '/');
    const timeoutMs = mount.responseTimeoutMs ?? this.responseTimeoutMs;
    if (timeoutMs > 0) this.deadlines.arm(timeoutMs, res, conn);
  }

  /** The last authority split, for all of this handler's connections: clients of one server name its Host, request after request. */
  private lastAuthority: Authority = { authority: '', scheme: '', secure: false, serverName: '', serverPort: 0 };

  /** splitAuthority, remembered for the last Host seen (an empty one depends on the connection). */
  private authorityOf(authority: string, scheme: string, conn: Connection): Authority {
    const last = this.lastAuthority;
    if (authority !== '' && authority === last.authority && scheme === last.scheme && conn.secure === last.secure) return last;
    const split = splitAuthority(authority, scheme, conn);
    return (this.lastAuthority = { authority, scheme, secure: conn.secure, serverName: split.serverName, serverPort: split.serverPort });
  }

  error(err: HttpError, res: OutgoingResponse, conn?: Connection, head?: RequestHead | null): void {
    const answer = this.page({ status: err.status, message: err.message, code: err.code, accept: head?.headers['accept'] });
    // An error page that replaces an app's response is logged by logOnClose, with the request line.
    const start = conn !== undefined && this.options.accessLog !== undefined && !this.replacing.delete(conn) ? conn.socket.bytesWritten : -1;
    res.writeHead(answer.status, { ...(answer.headers as Record<string, string>), connection: 'close' });
    res.end(typeof answer.body === 'string' ? answer.body : '');
    // The engine's error responses never fire onClose; they are written synchronously, so log them here.
    if (start >= 0) {
      this.options.accessLog!({
        time: Date.now(), remoteAddress: conn!.remoteAddress, method: '-', target: '-', protocol: '-',
        status: answer.status, bytes: conn!.socket.bytesWritten - start, durationMs: 0,
        referer: undefined, userAgent: undefined, host: undefined,
        remotePort: conn!.remotePort, bodyBytes: Math.max(0, conn!.socket.bytesWritten - start - res.headBytes),
      });
    }
  }

  /**
   * Reports the exchange to the access log when its response closes: the bytes the
   * socket took for it (head included; socket.bytesWritten counts queued bytes too)
   * and the time since the head was parsed. A response the engine replaces with an
   * error page (408, 413, 504...) is reported with that page's status once the page
   * is written (synchronously after onClose, so a microtask later); one the client
   * left before it started is 499.
   */
  private logOnClose(head: RequestHead, res: OutgoingResponse, conn: Connection): ExchangeFacts & { mount?: string } {
    const log = this.options.accessLog!;
    const time = Date.now();
    const started = performance.now();
    const bytesBefore = conn.socket.bytesWritten;
    const facts: ExchangeFacts & { mount?: string } = {};
    res.onClose((err) => {
      const entry = (status: number, bytes: number): AccessLogEntry => ({
        time, remoteAddress: conn.remoteAddress, method: head.method, target: head.target,
        protocol: head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0', status,
        bytes, durationMs: performance.now() - started,
        referer: head.headers['referer'], userAgent: head.headers['user-agent'], host: head.headers['host'],
        mount: facts.mount, remotePort: conn.remotePort, headers: head.headers,
        bodyBytes: Math.max(0, bytes - res.headBytes),
        upstreamResponseMs: facts.upstreamResponseMs, upstreamAddress: facts.upstreamAddress,
      });
      const bytes = conn.socket.bytesWritten - bytesBefore;
      // Aborted before a byte went out (an aborted response counts as "headersSent").
      if (err !== undefined && bytes === 0) {
        const status = (err as HttpError).status;
        if (status === 499) return log(entry(499, 0));
        if (typeof status !== 'number') return log(entry(500, 0)); // cut by the server side, not replaced
        this.replacing.add(conn);
        queueMicrotask(() => log(entry(status, conn.socket.bytesWritten - bytesBefore)));
        return;
      }
      log(entry(res.status, bytes));
    });
    return facts;
  }

  /** Connections whose current response is being replaced by an engine error page. */
  private readonly replacing = new WeakSet<Connection>();

  private invoke(app: App, env: Env, res: OutgoingResponse, mount: string): void {
    let result;
    try {
      // A scope only where a stray error would be looked up in it (request-scope.ts).
      result = strayErrorsHeld() ? runInScope(new StrayScope(this, res, mount, env), app, env, res) : app(env, res);
    } catch (err) {
      return this.appFailed(err, res, mount, env);
    }
    if (result === undefined) return;
    if (typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<void | AppResponse>).then(
        (answer) => {
          if (answer !== undefined) this.answer(answer, res, mount, env);
        },
        (err: unknown) => this.appFailed(err, res, mount, env),
      );
      return;
    }
    this.answer(result as AppResponse, res, mount, env);
  }

  private answer(answer: AppResponse, res: OutgoingResponse, mount: string, env: Env): void {
    if (res.headersSent || res.ended) {
      return this.appFailed(new Error('App returned a response after answering through the responder'), res, mount, env);
    }
    // The common case, a complete body, is sent synchronously.
    const body = answer.body;
    if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
      try {
        res.writeHead(answer.status, answer.headers);
        res.end(body ?? undefined, answer.trailers);
      } catch (err) {
        this.appFailed(err, res, mount, env);
      }
      return;
    }
    sendResponse(res, answer).catch((err: unknown) => this.appFailed(err, res, mount, env));
  }

  /** An error that escaped the app's call, raised later in its async context. */
  strayFailed(err: unknown, kind: StrayKind, res: OutgoingResponse, mount: string, env: Env): void {
    if (res.ended || res.aborted) {
      this.options.logger.error(`app failed after its response (${kind})`, { mount, method: env.method, target: env.target, path: env.scriptName + env.pathInfo, cause: err });
      return;
    }
    this.appFailed(err, res, mount, env, `app failed (${kind})`);
  }

  private appFailed(err: unknown, res: OutgoingResponse, mount: string, env: Env, message = 'app failed'): void {
    if (res.aborted) return; // the client left; nothing to tell it
    this.options.logger.error(message, { mount, method: env.method, target: env.target, path: env.scriptName + env.pathInfo, cause: err });
    if (res.headersSent) {
      res.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.sendError(res, { status: 500, message: 'The application failed.', accept: env.headers['accept'] });
  }

  /**
   * The page for `info`: the user's, else the default. A user's page that throws
   * is logged and the default page answers instead, so an error page never turns
   * into a hung or cut exchange.
   */
  private page(info: ErrorInfo): AppResponse {
    try {
      return renderErrorPage(this.options.errorPages, info);
    } catch (err) {
      this.options.logger.error('error page failed', { status: info.status, cause: err });
      return renderErrorPage(undefined, info);
    }
  }

  private sendError(res: OutgoingResponse, info: ErrorInfo): void {
    const answer = this.page(info);
    if (res.ended) return;
    // A complete body goes out synchronously; a user's streamed page that fails midway cuts the connection.
    sendResponse(res, answer).catch((err: unknown) => res.abort(err instanceof Error ? err : new Error(String(err))));
  }
}

/** One request's scope: what a stray error raised in its async context fails. */
class StrayScope implements RequestScope {
  constructor(
    private readonly handler: RequestHandler,
    private readonly res: OutgoingResponse,
    private readonly mount: string,
    private readonly env: Env,
  ) {}

  fail(err: unknown, kind: StrayKind): void {
    this.handler.strayFailed(err, kind, this.res, this.mount, this.env);
  }
}

interface Authority {
  readonly authority: string;
  readonly scheme: string;
  readonly secure: boolean;
  readonly serverName: string;
  readonly serverPort: number;
}

/** Host name and port the client addressed: RFC 9110 §7.2, defaults from the connection. */
const splitAuthority = (authority: string, scheme: string, conn: Connection): { serverName: string; serverPort: number } => {
  // The default port is the target URI's scheme's (RFC 9110 §4.2): an absolute-form
  // target names it; otherwise the connection decides.
  const defaultPort = scheme === 'https' ? 443 : scheme === 'http' ? 80 : conn.secure ? 443 : 80;
  if (authority === '') return { serverName: conn.localAddress, serverPort: conn.localPort };
  const close = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon > close) {
    return { serverName: authority.slice(0, colon).toLowerCase(), serverPort: Number(authority.slice(colon + 1)) || defaultPort };
  }
  return { serverName: authority.toLowerCase(), serverPort: defaultPort };
};
