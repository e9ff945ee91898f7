// The one error-page path. Whatever the server answers on an app's behalf (the
// router's 404, a static 403, a CGI 502, a proxy 504) is rendered by the server's
// error pages, which the user overrides in one place (serve's `errorPages`); the
// server hands its renderer to adapters in the env ('portico.errorPage'). An
// adapter run on an env from elsewhere falls back to the same default page: short
// HTML, or JSON for clients that prefer it, never a stack trace or a server path.

import { statusText } from '../core/index.js';
import type { AppResponse, Env, ErrorPageInfo, Responder } from './env.js';
import { sendResponse } from './respond.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** True when Accept ranks application/json above text/html (a rough, bounded check). */
export const prefersJson = (accept: string | undefined): boolean => {
  if (accept === undefined) return false;
  const json = accept.indexOf('application/json');
  if (json === -1) return false;
  const html = accept.indexOf('text/html');
  return html === -1 || json < html;
};

export const defaultErrorPage = (info: ErrorPageInfo, accept: string | undefined): AppResponse => {
  const title = `${info.status} ${statusText(info.status)}`;
  if (prefersJson(accept)) {
    return {
      status: info.status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...info.headers },
      body: JSON.stringify({ error: { status: info.status, message: info.message, ...(info.code ? { code: info.code } : {}) } }) + '\n',
    };
  }
  return {
    status: info.status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...info.headers },
    body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(info.message)}</p></body></html>\n`,
  };
};

/** The error answer for `env`'s request: the server's page when there is a server, else the default. */
export const errorAnswer = (env: Env, info: ErrorPageInfo): AppResponse => {
  const render = env.extensions['portico.errorPage'];
  const accept = env.headers['accept'];
  return render !== undefined ? render(info, accept) : defaultErrorPage(info, accept);
};

/**
 * Answers `env`'s request with its error page, unless something was sent already
 * (then the caller cuts the connection, if anything). A page with a streamed body
 * (a user's override) that fails midway cuts the connection too.
 */
export const sendErrorPage = (env: Env, res: Responder, info: ErrorPageInfo): void => {
  if (res.headersSent || res.ended || res.aborted) return;
  const answer = errorAnswer(env, info);
  sendResponse(res, answer).catch((err: unknown) => res.abort(err instanceof Error ? err : new Error(String(err))));
};
