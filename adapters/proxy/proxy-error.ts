// What the client sees when the upstream fails, and what the log says. Before
// the response started: 504 when the upstream did not connect or answer in
// time, 502 for everything else (refused, reset, a malformed response), as
// nginx does. After it started: the client connection is cut, so the body is
// visibly truncated. A client that already left needs no answer. The answer is
// the server's error page (adapters/error-page.ts: HTML or JSON, the user's
// overrides). proxyApp takes a logger of the shared shape (adapters/log.ts).

import { HttpError } from '../../core/index.js';
import { consoleLoggerFor, type Logger } from '../log.js';
import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';

/** The error log's shape (adapters/log.ts). */
export type ProxyLogger = Logger;

export const consoleLogger: ProxyLogger = consoleLoggerFor('proxy');

export type ProxyErrorCode =
  /** The upstream's response was malformed, too large, or cut short. */
  | 'ERR_PROXY_BAD_RESPONSE'
  /** The upstream's response head did not come in time. */
  | 'ERR_PROXY_TIMEOUT'
  /** Connecting to the upstream did not succeed in time. */
  | 'ERR_PROXY_CONNECT_TIMEOUT';

/** The proxy's own failures (undici raises its own, UND_ERR_..., on the plain HTTP path). */
export class ProxyError extends HttpError<ProxyErrorCode> {
  override readonly name = 'ProxyError';
  constructor(code: ProxyErrorCode, message: string) {
    super(code, code === 'ERR_PROXY_BAD_RESPONSE' ? 502 : 504, message);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'ERR_PROXY_TIMEOUT', 'ERR_PROXY_CONNECT_TIMEOUT']);

export const isTimeout = (err: Error): boolean => TIMEOUT_CODES.has((err as { code?: string }).code ?? '');

export const sendProxyError = (env: Env, res: Responder, config: { url: URL; logger: ProxyLogger }, err: Error): void => {
  if (res.aborted) return;
  const status = isTimeout(err) ? 504 : 502;
  config.logger.error(status === 504 ? 'upstream timed out' : 'upstream failed', {
    mount: env.extensions['portico.mount'] ?? env.scriptName,
    upstream: config.url.origin,
    method: env.method,
    path: env.scriptName + env.pathInfo,
    code: (err as { code?: string }).code,
    cause: err,
  });
  if (res.headersSent || res.ended) {
    res.abort(err);
    return;
  }
  sendErrorPage(env, res, status === 504
    ? { status, message: 'The upstream server did not answer in time.', code: 'ERR_PROXY_TIMEOUT', headers: NO_STORE }
    : { status, message: 'The upstream server could not be reached or gave an invalid response.', code: 'ERR_PROXY_UPSTREAM', headers: NO_STORE });
};

const NO_STORE = { 'cache-control': 'no-store' };
