// The life of a CGI request: find the program (403/404), take the body's shape
// (none, streamed, or spooled when its length is unknown or the program is
// nph-), wait for a slot under the concurrency cap (503 + Retry-After), build
// the meta-variables, run the program, and follow a local redirect by running
// this same dispatch again as a GET (RFC 3875 §6.2.2), at most MAX_REDIRECTS
// times. The returned promise never rejects: every failure is answered or, once
// the response started, cuts the connection.

import { dirname } from 'node:path';
import { HttpError } from '../../core/index.js';
import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';
import { CgiError } from './cgi-error.js';
import { sendError } from './error-response.js';
import { ScriptResolver, type ScriptTarget } from './script-resolver.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { spoolBody, type Spool } from './body-spool.js';
import { metaVariables } from './meta-variables.js';
import { type ProgramInput, runProgram } from './program-run.js';
import { redirectEnv } from './local-redirect.js';
import type { ResolvedOptions } from './options.js';

export const MAX_REDIRECTS = 5;

const NO_INPUT: ProgramInput = { kind: 'none' };
const NO_STORE = { 'cache-control': 'no-store' };

export class CgiDispatcher {
  private readonly resolver: ScriptResolver;
  readonly limit: ConcurrencyLimit;

  constructor(private readonly options: ResolvedOptions) {
    this.resolver = new ScriptResolver(options.script, options.root);
    this.limit = new ConcurrencyLimit(options.maxConcurrent, options.maxQueued, options.queueTimeoutMs);
  }

  async handle(env: Env, res: Responder, redirects: number): Promise<void> {
    const mount = env.scriptName || '/';
    let spool: Spool | null = null;
    try {
      const target = await this.resolver.resolve(env);
      const nph = target.baseName.startsWith('nph-');
      const length = env.body.length;
      let input = NO_INPUT;
      // nph- programs get the socket at their first byte of output, after which the engine reads no more
      // body: theirs is read completely beforehand, whatever its framing.
      if (length !== 0 && (nph || (length === -1 && this.options.spoolUnknownLength))) {
        spool = await spoolBody(env.body, { maxBytes: this.options.maxSpoolBytes, memoryBytes: this.options.spoolMemoryBytes, tmpDir: this.options.tmpDir });
        if (spool.length > 0) input = { kind: 'spool', spool };
      } else if (length !== 0) {
        input = { kind: 'stream', body: env.body };
      }
      if (!this.limit.tryAcquire() && !(await this.limit.wait(res.signal))) {
        if (!res.aborted) {
          this.options.logger.error('too many CGI programs running', { mount, code: 'ERR_CGI_BUSY', running: this.limit.running });
          sendError(env, res, 503, 'ERR_CGI_BUSY', { 'retry-after': String(this.options.retryAfterSeconds) });
        }
        return;
      }
      let location: string | null;
      try {
        if (res.aborted) return;
        const contentLength = input.kind === 'spool' ? input.spool.length : length;
        const vars = metaVariables(env, target, { contentLength: contentLength > 0 ? contentLength : -1, spooled: spool !== null }, this.options);
        location = await runProgram({
          env,
          res,
          filename: target.filename,
          cwd: dirname(target.filename),
          vars,
          input,
          nph,
          mount,
          script: scriptLabel(target),
          options: this.options,
        });
      } finally {
        this.limit.release();
      }
      if (location !== null) await this.follow(env, res, location, redirects, mount);
    } catch (err) {
      this.failed(err, env, res, mount);
    } finally {
      if (spool?.file) await spool.file.close().catch(() => {});
    }
  }

  private async follow(env: Env, res: Responder, location: string, redirects: number, mount: string): Promise<void> {
    if (redirects >= MAX_REDIRECTS) {
      this.options.logger.error('too many local redirects', { mount, code: 'ERR_CGI_REDIRECT_LOOP', location });
      return sendError(env, res, 502, 'ERR_CGI_REDIRECT_LOOP');
    }
    const next = redirectEnv(env, location);
    if (next !== null) return this.handle(next, res, redirects + 1);
    // Not under this mount, so not ours to serve: let the client follow it.
    res.writeHead(302, { location });
    res.end();
  }

  private failed(err: unknown, env: Env, res: Responder, mount: string): void {
    if (err instanceof CgiError) return sendError(env, res, err.status, err.code);
    if (res.aborted) return;
    // The body broke a limit (the spool's 413 that body.limit() throws, a body that failed): the server's own error.
    if (err instanceof HttpError && err.status >= 400 && err.status < 500) return sendErrorPage(env, res, { status: err.status, message: err.message, code: err.code, headers: NO_STORE });
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(env, res, status); // a body from elsewhere
    this.options.logger.error('CGI request failed', { mount, cause: err });
    if (res.headersSent) res.abort(err instanceof Error ? err : new Error(String(err)));
    else sendError(env, res, 500);
  }
}

const scriptLabel = (target: ScriptTarget): string => target.scriptName || target.baseName;
