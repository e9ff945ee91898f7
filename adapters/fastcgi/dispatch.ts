// The life of a FastCGI request: route the path (static file, script, front
// controller, or 404/403 without asking the application), take the body's
// shape (none, streamed with its Content-Length, or spooled when chunked, since
// PHP reads no body without CONTENT_LENGTH), build the params (the CGI
// adapter's meta-variables), take a pooled connection, run the exchange, give
// the connection back, and follow a local redirect by dispatching again as a
// GET (RFC 3875 §6.2.2). A kept connection that turns out to be closed before
// any answer (php-fpm recycled its child) is retried once on a new one when
// the body can be sent again. The returned promise never rejects.

import type { Env, Responder, App } from '../env.js';
import type { Logger } from '../log.js';
import { HttpError } from '../../core/index.js';
import { spoolBody, type Spool } from '../cgi/body-spool.js';
import { metaVariables, type MetaVariableOptions } from '../cgi/meta-variables.js';
import { redirectEnv } from '../cgi/local-redirect.js';
import { staticApp } from '../static/index.js';
import { ConnectionPool } from './connection-pool.js';
import { FrontController, type Route } from './front-controller.js';
import { runExchange, type FastCgiInput } from './exchange.js';
import { FastCgiError } from './fastcgi-error.js';
import { sendError } from './error-reply.js';
import { consoleLogger, type ResolvedFastCgiOptions } from './options.js';

export const MAX_REDIRECTS = 5;

type ScriptRoute = Extract<Route, { kind: 'script' }>;

export class FastCgiDispatcher {
  readonly pool: ConnectionPool;
  private readonly router: FrontController;
  private readonly files: App | null;
  private readonly meta: MetaVariableOptions;

  constructor(private readonly options: ResolvedFastCgiOptions) {
    this.pool = new ConnectionPool(options.address, {
      max: options.maxConnections,
      maxQueued: options.maxQueued,
      queueTimeoutMs: options.queueTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
    });
    this.router = new FrontController(options);
    this.files = options.staticFiles && options.root !== null ? staticApp({ root: options.root }) : null;
    // php-fpm keeps its own environment: none of Portico's is passed (baseEnv is empty).
    this.meta = { baseEnv: {}, passAuthorization: options.passAuthorization, documentRoot: options.root ?? '', env: options.params };
  }

  async handle(env: Env, res: Responder, redirects: number): Promise<void> {
    const logger = this.options.logger ?? env.extensions['portico.logger'] ?? consoleLogger;
    const mount = env.scriptName || '/';
    let spool: Spool | null = null;
    try {
      const route = this.router.route(env);
      if (route.kind === 'static') {
        if (this.files === null) throw new FastCgiError('ERR_FCGI_NOT_FOUND', 'Static files are not served here');
        return await this.files(env, res) as undefined;
      }
      let input: FastCgiInput = { kind: 'none' };
      let contentLength = env.body.length;
      if (contentLength === -1) {
        spool = await spoolBody(env.body, { maxBytes: this.options.maxSpoolBytes, memoryBytes: this.options.spoolMemoryBytes, tmpDir: this.options.tmpDir });
        contentLength = spool.length;
        if (spool.file !== null) input = { kind: 'file', file: spool.file, length: spool.length };
        else if (spool.length > 0) input = { kind: 'buffer', buffer: spool.buffer! };
      } else if (contentLength > 0) {
        input = { kind: 'stream', body: env.body };
      }
      const params = metaVariables(env, route, { contentLength: contentLength > 0 ? contentLength : -1, spooled: spool !== null }, this.meta);
      const location = await this.exchange(env, res, route, params, input, logger, mount);
      if (location !== null) await this.follow(env, res, location, redirects, logger, mount);
    } catch (err) {
      this.failed(err, env, res, logger, mount);
    } finally {
      if (spool?.file) await spool.file.close().catch(() => {});
    }
  }

  private async exchange(env: Env, res: Responder, route: ScriptRoute, params: Record<string, string>, input: FastCgiInput, logger: Logger, mount: string): Promise<string | null> {
    const script = route.scriptName;
    const log = (message: string, fields: Record<string, unknown>): void =>
      logger.error(message, { mount, script, address: this.pool.address.label, ...fields });
    const replayable = input.kind !== 'stream';
    for (let attempt = 0; ; attempt++) {
      let connection;
      try {
        // An idle connection is taken at once: an await costs a turn of the microtask queue.
        connection = this.pool.take() ?? (await this.pool.acquire(res));
      } catch (err) {
        if (err instanceof FastCgiError) {
          log(err.code === 'ERR_FCGI_BUSY' ? 'no FastCGI connection free' : 'cannot connect to the FastCGI application', { code: err.code, reason: err.message });
        }
        throw err;
      }
      if (res.aborted) {
        this.pool.release(connection, true);
        return null;
      }
      const reused = connection.used;
      connection.used = true;
      const result = await runExchange({
        env,
        res,
        connection,
        params,
        input,
        stderr: { logger, mount, script },
        options: this.options,
        log,
        address: this.pool.address.label,
        retryable: reused && replayable && attempt === 0,
      });
      this.pool.release(connection, result.reusable);
      if (!result.retry) return result.location;
    }
  }

  private async follow(env: Env, res: Responder, location: string, redirects: number, logger: Logger, mount: string): Promise<void> {
    if (redirects >= MAX_REDIRECTS) {
      logger.error('too many local redirects', { mount, code: 'ERR_FCGI_REDIRECT_LOOP', location });
      return sendError(env, res, 502, 'Too many local redirects', 'ERR_FCGI_REDIRECT_LOOP');
    }
    const next = redirectEnv(env, location);
    if (next !== null) return this.handle(next, res, redirects + 1);
    // Not under this mount, so not ours to serve: let the client follow it.
    res.writeHead(302, { location });
    res.end();
  }

  private failed(err: unknown, env: Env, res: Responder, logger: Logger, mount: string): void {
    if (err instanceof FastCgiError) return sendError(env, res, err.status, err.message.startsWith('Cannot connect') ? 'The application cannot be reached' : err.message, err.code);
    if (res.aborted) return;
    // The body broke a limit (the spool's 413 that body.limit() throws, a body that failed): the server's own error.
    if (err instanceof HttpError && err.status >= 400 && err.status < 500) return sendError(env, res, err.status, err.message, err.code);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(env, res, status, 'The request body could not be read');
    logger.error('FastCGI request failed', { mount, cause: err });
    if (res.headersSent) res.abort(err instanceof Error ? err : new Error(String(err)));
    else sendError(env, res, 500, 'Internal error');
  }
}
