// The adapter's own answers (403, 404, 413, 502, 503, 504): a short plain-text
// page, written only while nothing else was sent. The gateway's error pages are
// out of reach (adapters never import the gateway), so these stay minimal.

import { statusText } from '../../core/index.js';
import type { OutgoingHeaders, Responder } from '../env.js';

export const sendError = (res: Responder, status: number, extra?: Record<string, string>): void => {
  if (res.headersSent || res.ended) return;
  const headers: OutgoingHeaders = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra };
  res.writeHead(status, headers);
  res.end(`${status} ${statusText(status)}\n`);
};
