// Short answers without a file: the refusals (403, 404), 405 with Allow, and
// 416 with Content-Range. They go through the server's error pages
// (adapters/error-page.ts), so Accept: application/json and the user's pages
// apply as they do to the router's 404; HEAD gets the same fields and no body
// (the engine drops it).

import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';

/** RFC 9110 §15.5.6: a 405 lists the methods the resource supports. */
export const ALLOW = 'GET, HEAD, OPTIONS';

const MESSAGES: Record<number, string> = {
  403: 'Access to this file is forbidden.',
  404: 'No file here.',
  405: 'Files here can only be read.',
  416: 'The requested range is not within the file.',
};

export const sendStatus = (env: Env, res: Responder, status: number, fields?: Record<string, string>): void =>
  sendErrorPage(env, res, { status, message: MESSAGES[status] ?? 'The file cannot be served.', ...(fields === undefined ? {} : { headers: fields }) });
