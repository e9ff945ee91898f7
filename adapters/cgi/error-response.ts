// The adapter's own answers (403, 404, 502, 503, 504) go through the
// server's error pages (adapters/error-page.ts), so the user's pages and
// Accept: application/json apply to them as to the router's 404. The message is
// fixed per status (a program's path or stderr never reaches the client); the
// code (ERR_CGI_...) says which failure it was. Written only while nothing else
// was sent; never cached.

import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';
import type { CgiErrorCode } from './cgi-error.js';

const MESSAGES: Record<number, string> = {
  400: 'The request body could not be read.',
  403: 'This script may not be run.',
  404: 'No script here.',
  413: 'The request body is too large.',
  500: 'The CGI request failed.',
  502: 'The CGI program failed to answer properly.',
  503: 'Too many CGI programs are running; try again later.',
  504: 'The CGI program did not answer in time.',
};

export const sendError = (env: Env, res: Responder, status: number, code?: CgiErrorCode, extra?: Record<string, string>): void =>
  sendErrorPage(env, res, {
    status,
    message: MESSAGES[status] ?? 'The CGI request failed.',
    ...(code === undefined ? {} : { code }),
    headers: { 'cache-control': 'no-store', ...extra },
  });
