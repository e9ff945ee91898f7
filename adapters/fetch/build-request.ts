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
// without a body, and report their real method (request-method.ts).

import type { Env, Responder } from '../env.js';
import { requestUrl } from './request-url.js';
import { normalizeMethod, requestInit } from './request-method.js';
import { LazyRequest, fieldsOf, lazyRequestsWork } from './lazy-request.js';

class EagerRequest extends Request {
  readonly #res: Responder;
  readonly #method: string;

  constructor(url: string, init: RequestInit, method: string, res: Responder) {
    super(url, init);
    this.#res = res;
    this.#method = method;
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

/** Throws TypeError when the URL cannot be parsed (the caller answers 400). */
export const buildRequest = (env: Env, res: Responder, stripPrefix: boolean, lazy: boolean): Request => {
  const method = normalizeMethod(env.method);
  const url = requestUrl(env, stripPrefix);
  const prefix = stripPrefix ? env.scriptName : '';
  if (lazy && lazyRequestsWork) return new LazyRequest(env, res, url, method, prefix) as unknown as Request;
  return new EagerRequest(url, requestInit(env, method, fieldsOf(env, prefix)), method, res);
};
