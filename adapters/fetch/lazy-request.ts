// The Request a handler receives, made lazily. Building a Node (undici)
// Request costs more than a whole native Portico request, yet most handlers
// read only `method`, `url` and some `headers`. So the handler gets a
// LazyRequest: its prototype is Request.prototype (`instanceof Request`, every
// Request method and getter is there), it answers method, url, headers and
// signal itself, and the first use of anything else builds the real Request
// (with the body stream, request-body.ts) that those getters then read.
//
// Request's own getters and methods, and `new Request(request)`, reach an
// instance's state through undici's internal symbols; the lazy prototype
// forwards each of them to the real Request (found by probing a Request made
// here), except the signal, which is the responder's. `lazyRequestsWork`
// records whether the probe showed all of that working; if not, build-request.ts
// builds real Requests every time.

import type { Env, Responder } from '../env.js';
import { requestInit } from './request-method.js';

/**
 * Request fields from env.headers; from rawHeaders only when Set-Cookie repeats
 * (getSetCookie() keeps each). A stripped prefix is told in X-Forwarded-Prefix,
 * replacing any the client sent: the client's claim is not Portico's strip.
 */
export const fieldsOf = (env: Env, prefix: string): RequestInit['headers'] => {
  if (env.headers['set-cookie'] === undefined) {
    return prefix === '' ? env.headers : { ...env.headers, 'x-forwarded-prefix': prefix };
  }
  const raw = env.rawHeaders;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (prefix === '' || raw[i]!.toLowerCase() !== 'x-forwarded-prefix') pairs.push([raw[i]!, raw[i + 1]!]);
  }
  if (prefix !== '') pairs.push(['x-forwarded-prefix', prefix]);
  return pairs;
};

export class LazyRequest {
  readonly #env: Env;
  readonly #res: Responder;
  readonly #url: string;
  /** The method as the handler sees it (normalised as Request normalises it). */
  readonly #method: string;
  /** The mount prefix left out of the URL ("" when nothing was stripped): sent as X-Forwarded-Prefix. */
  readonly #prefix: string;
  #headers: Headers | null = null;
  #real: Request | null = null;

  constructor(env: Env, res: Responder, url: string, method: string, prefix: string) {
    this.#env = env;
    this.#res = res;
    this.#url = url;
    this.#method = method;
    this.#prefix = prefix;
  }

  get url(): string {
    return this.#url;
  }

  get method(): string {
    return this.#method;
  }

  get headers(): Headers {
    return (this.#headers ??= new Headers(fieldsOf(this.#env, this.#prefix)));
  }

  get signal(): AbortSignal {
    return this.#res.signal;
  }

  /** The real Request behind `request`, built on first use. */
  static real(request: LazyRequest): Request {
    if (request.#real !== null) return request.#real;
    const headers = request.#headers ?? fieldsOf(request.#env, request.#prefix);
    request.#real = new Request(request.#url, requestInit(request.#env, request.#method, headers));
    return request.#real;
  }

  static signalOf(request: LazyRequest): AbortSignal {
    return request.#res.signal;
  }
}

Object.setPrototypeOf(LazyRequest.prototype, Request.prototype);

const installForwarders = (): boolean => {
  const probe = new Request('http://portico.invalid/');
  const symbols = Object.getOwnPropertySymbols(probe);
  if (symbols.length === 0) return false;
  for (const symbol of symbols) {
    const isSignal = (probe as unknown as Record<symbol, unknown>)[symbol] === probe.signal;
    Object.defineProperty(LazyRequest.prototype, symbol, {
      configurable: true,
      get(this: LazyRequest): unknown {
        return isSignal ? LazyRequest.signalOf(this) : (LazyRequest.real(this) as unknown as Record<symbol, unknown>)[symbol];
      },
    });
  }
  return true;
};

/** Whether a lazy Request behaves as a real one here: clone(), text(), new Request(lazy). */
const probeLazyRequests = (): boolean => {
  try {
    if (!installForwarders()) return false;
    const controller = new AbortController();
    const res = { signal: controller.signal } as Responder;
    const env = { body: { length: 0 }, headers: { 'x-probe': '1' } } as unknown as Env;
    const url = 'http://portico.invalid/probe?x=1';
    const lazy = new LazyRequest(env, res, url, 'GET', '') as unknown as Request;
    const copy = new Request(lazy, { headers: { 'x-copy': '1' } });
    const clone = lazy.clone();
    controller.abort();
    return (
      lazy instanceof Request &&
      copy.url === url &&
      copy.headers.get('x-copy') === '1' &&
      copy.signal.aborted &&
      clone.url === url &&
      clone.headers.get('x-probe') === '1' &&
      lazy.cache === 'default' &&
      lazy.body === null
    );
  } catch {
    return false;
  }
};

export const lazyRequestsWork = probeLazyRequests();
