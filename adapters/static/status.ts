// Short answers without a file: the refusals (403, 404), 405 with Allow, 412
// and 416. Adapters cannot reach the gateway's error pages, so the body is one
// plain-text line; HEAD gets the same fields and no body (the engine drops it).

import { statusText } from '../../core/index.js';
import type { Responder } from '../env.js';

/** RFC 9110 §15.5.6: a 405 lists the methods the resource supports. */
export const ALLOW = 'GET, HEAD, OPTIONS';

export const sendStatus = (res: Responder, status: number, fields?: Record<string, string>): void => {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', ...fields };
  res.writeHead(status, headers);
  res.end(`${status} ${statusText(status)}\n`);
};
