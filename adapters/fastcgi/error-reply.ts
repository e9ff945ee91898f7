// The adapter's own answers (403, 404, 502, 503, 504) go through the
// server's error pages (adapters/error-page.ts), so the user's pages and
// Accept: application/json apply to them as to the router's 404. Written only
// while nothing else was sent; once the head is out, a failure cuts the
// connection instead (the caller's job). Never cached.

import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';

export const sendError = (env: Env, res: Responder, status: number, message: string, code?: string, headers?: Record<string, string>): void =>
  sendErrorPage(env, res, { status, message, ...(code === undefined ? {} : { code }), headers: { 'cache-control': 'no-store', ...headers } });
