// Builds the Request a Fetch handler receives: a genuine global Request (so
// `instanceof Request`, clone(), formData() and new Request(request) all work),
// with the absolute URL (request-url.ts), the method, the fields and, for methods
// that carry one, the body as a stream (request-body.ts).
//
// Fields come from env.headers, already combined as Fetch's Headers would
// combine them (", ", Cookie with "; "); only a request repeating Set-Cookie is
// rebuilt from rawHeaders, so getSetCookie() sees each line.
//
// `signal`: handing the Request constructor a signal to follow costs more than
// the rest of the Request together, so the subclass answers `signal` with the
// responder's own, which aborts when the client leaves before the response is
// complete. Methods the Fetch standard forbids in a Request (CONNECT, TRACE,
// TRACK) are built as GET, without a body, and report their real method.

import type { Env, Responder } from '../env.js';
import { requestUrl } from './request-url.js';
import { requestBodyStream } from './request-body.js';

class PorticoRequest extends Request {
  readonly #res: Responder;

  constructor(url: string, init: RequestInit, res: Responder) {
    super(url, init);
    this.#res = res;
  }

  static signalOf(request: PorticoRequest): AbortSignal {
    return request.#res.signal;
  }
}

class ForbiddenMethodRequest extends PorticoRequest {
  readonly #method: string;

  constructor(url: string, init: RequestInit, res: Responder, method: string) {
    super(url, init, res);
    this.#method = method;
  }

  static methodOf(request: ForbiddenMethodRequest): string {
    return request.#method;
  }
}

// Accessors over the base class's properties (TypeScript will not declare them in the class body).
Object.defineProperty(PorticoRequest.prototype, 'signal', {
  configurable: true,
  get(this: PorticoRequest): AbortSignal {
    return PorticoRequest.signalOf(this);
  },
});
Object.defineProperty(ForbiddenMethodRequest.prototype, 'method', {
  configurable: true,
  get(this: ForbiddenMethodRequest): string {
    return ForbiddenMethodRequest.methodOf(this);
  },
});

// Fetch standard, "forbidden method" (matched case-insensitively).
const isForbiddenMethod = (method: string): boolean => {
  if (method.length !== 5 && method.length !== 7) return false;
  const m = method.toUpperCase();
  return m === 'CONNECT' || m === 'TRACE' || m === 'TRACK';
};

const hasNoBody = (method: string): boolean => {
  if (method === 'GET' || method === 'HEAD') return true;
  if (method.length > 4) return false;
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD';
};

const fieldsOf = (env: Env): RequestInit['headers'] => {
  if (env.headers['set-cookie'] === undefined) return env.headers;
  const raw = env.rawHeaders;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
};

/** Throws TypeError when the URL cannot be parsed (the caller answers 400). */
export const buildRequest = (env: Env, res: Responder, stripPrefix: boolean): Request => {
  const url = requestUrl(env, stripPrefix);
  const method = env.method;
  const headers = fieldsOf(env);
  if (env.body.length === 0 || hasNoBody(method)) {
    if (isForbiddenMethod(method)) return new ForbiddenMethodRequest(url, { method: 'GET', headers }, res, method);
    return new PorticoRequest(url, { method, headers }, res);
  }
  if (isForbiddenMethod(method)) return new ForbiddenMethodRequest(url, { method: 'GET', headers }, res, method);
  return new PorticoRequest(url, { method, headers, body: requestBodyStream(env.body), duplex: 'half' } as RequestInit, res);
};
