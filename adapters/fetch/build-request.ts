// Builds the Request a Fetch handler receives: `instanceof Request`, with the
// absolute URL (request-url.ts), the method, the fields and, for methods that
// carry one, the body as a stream (request-body.ts). Where the runtime allows
// it the Request is lazy (lazy-request.ts): only what the handler touches is
// built. Otherwise it is a real Request subclass, built at once.
//
// Fields come from env.headers, already combined as Fetch's Headers would
// combine them (", ", Cookie with "; "); only a request repeating Set-Cookie is
// rebuilt from rawHeaders, so getSetCookie() sees each line.
//
// `signal` is the responder's own, which aborts when the client leaves before
// the response is complete (handing the Request constructor a signal to follow
// costs more than the rest of the Request together). Methods the Fetch
// standard forbids in a Request (CONNECT, TRACE, TRACK) are built as GET,
// without a body, and report their real method.

import type { Env, Responder } from '../env.js';
import { requestUrl } from './request-url.js';
import { requestBodyStream } from './request-body.js';
import { LazyRequest, fieldsOf, lazyRequestsWork, type RequestParts } from './lazy-request.js';

class EagerRequest extends Request {
  readonly #res: Responder;
  readonly #method: string;

  constructor(parts: RequestParts, init: RequestInit, res: Responder) {
    super(parts.url, init);
    this.#res = res;
    this.#method = parts.method;
  }

  static signalOf(request: EagerRequest): AbortSignal {
    return request.#res.signal;
  }

  static methodOf(request: EagerRequest): string {
    return request.#method;
  }
}

// Accessors over the base class's properties (TypeScript will not declare them in the class body).
Object.defineProperty(EagerRequest.prototype, 'signal', {
  configurable: true,
  get(this: EagerRequest): AbortSignal {
    return EagerRequest.signalOf(this);
  },
});
Object.defineProperty(EagerRequest.prototype, 'method', {
  configurable: true,
  get(this: EagerRequest): string {
    return EagerRequest.methodOf(this);
  },
});

// Fetch standard: these methods are upper-cased, every other one is kept as sent.
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

const normalizeMethod = (method: string): string => {
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

// Fetch standard, "forbidden method" (matched case-insensitively).
const isForbiddenMethod = (method: string): boolean => {
  if (method.length !== 5 && method.length !== 7) return false;
  const m = method.toUpperCase();
  return m === 'CONNECT' || m === 'TRACE' || m === 'TRACK';
};

/** Throws TypeError when the URL cannot be parsed (the caller answers 400). */
export const buildRequest = (env: Env, res: Responder, stripPrefix: boolean, lazy: boolean): Request => {
  const method = normalizeMethod(env.method);
  const forbidden = isForbiddenMethod(method);
  const parts: RequestParts = {
    url: requestUrl(env, stripPrefix),
    prefix: stripPrefix ? env.scriptName : '',
    method,
    initMethod: forbidden ? 'GET' : method,
    hasBody: env.body.length !== 0 && method !== 'GET' && method !== 'HEAD' && !forbidden,
  };
  if (lazy && lazyRequestsWork) return new LazyRequest(env, res, parts) as unknown as Request;
  const headers = fieldsOf(env, parts.prefix);
  const init: RequestInit = parts.hasBody
    ? ({ method: parts.initMethod, headers, body: requestBodyStream(env.body), duplex: 'half' } as RequestInit)
    : { method: parts.initMethod, headers };
  return new EagerRequest(parts, init, res);
};
