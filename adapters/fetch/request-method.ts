// The method a Fetch handler sees, and the init a real Request is built with.
// The Fetch standard upper-cases DELETE, GET, HEAD, OPTIONS, POST and PUT in any
// case and keeps every other method as sent; it will not build a Request with a
// forbidden method (CONNECT, TRACE, TRACK, matched case-insensitively), so those
// are built as GET, without a body, and report their real method. GET and HEAD
// carry no body either.

import type { Env } from '../env.js';
import { requestBodyStream } from './request-body.js';

const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

export const normalizeMethod = (method: string): string => {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'DELETE':
    case 'HEAD':
    case 'OPTIONS':
    case 'PATCH':
      return method;
  }
  const upper = method.toUpperCase();
  return NORMALIZED.has(upper) ? upper : method;
};

const isForbiddenMethod = (method: string): boolean => {
  if (method.length !== 5 && method.length !== 7) return false;
  const m = method.toUpperCase();
  return m === 'CONNECT' || m === 'TRACE' || m === 'TRACK';
};

/** The init of the real Request for `method` (normalised), with the body stream when it has one. */
export const requestInit = (env: Env, method: string, headers: RequestInit['headers']): RequestInit => {
  if (isForbiddenMethod(method)) return { method: 'GET', headers };
  if (env.body.length === 0 || method === 'GET' || method === 'HEAD') return { method, headers };
  return { method, headers, body: requestBodyStream(env.body), duplex: 'half' } as RequestInit;
};
