// An opt-in stand-in for the global Response (fetchApp's `lightResponse`
// option), the way @hono/node-server's default works. Node's Response builds a
// web ReadableStream for every body, which costs more than Portico's whole
// handling of a request; a handler answering `new Response('text')` (Hono's
// c.text, c.json, c.html) never needs that stream when Portico sends the text
// in one write. So while installed, `new Response(body, init)` with a string,
// bytes or no body and a plain init only records them (checked as Response
// would check them); the first use of anything beyond status, statusText, ok
// and headers builds the real Response, to which Response's own methods and
// getters then go (through undici's internal symbols, as lazy-request.ts does).
// Other bodies build the real Response at once. `instanceof Response` holds for
// both kinds, and for Responses from fetch().

const GlobalResponse = globalThis.Response;
type ResponseBodyInit = ConstructorParameters<typeof GlobalResponse>[0];

// Fetch standard: a Response with one of these statuses has no body.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
// RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TEXT_PLAIN: ReadonlyArray<readonly [string, string]> = Object.freeze([Object.freeze(['content-type', 'text/plain;charset=UTF-8'] as const)]);
const NO_FIELDS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/** What a light Response recorded, for response writing. */
export interface HeldResponse {
  status: number;
  statusText: string;
  body: string | Uint8Array | null;
  headers: unknown;
}

type Init = { status?: number; statusText?: string; headers?: unknown } | undefined;

const isPlainInit = (init: unknown): init is Init =>
  init === undefined || init === null || (typeof init === 'object' && Object.getPrototypeOf(init) === Object.prototype);

export class LightResponse {
  #held: HeldResponse | null;
  #real: Response | null;
  #headers: Headers | null = null;

  static [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(GlobalResponse, x);
  }

  constructor(body?: unknown, init?: unknown) {
    if ((body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) && isPlainInit(init)) {
      const status = init?.status ?? 200;
      const statusText = init?.statusText === undefined ? '' : String(init.statusText);
      if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      if (!REASON_PHRASE.test(statusText)) throw new TypeError('Invalid statusText');
      if (body !== undefined && body !== null && NULL_BODY_STATUS.has(status)) throw new TypeError('Response constructor: Invalid response status code ' + status);
      this.#held = { status, statusText, body: body ?? null, headers: init?.headers };
      this.#real = null;
    } else {
      this.#held = null;
      this.#real = new GlobalResponse(body as ResponseBodyInit, init as ResponseInit);
    }
  }

  get status(): number {
    return this.#held !== null ? this.#held.status : this.#real!.status;
  }

  get statusText(): string {
    return this.#held !== null ? this.#held.statusText : this.#real!.statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get headers(): Headers {
    if (this.#real !== null) return this.#real.headers;
    if (this.#headers === null) {
      const held = this.#held!;
      const headers = new Headers(held.headers as ConstructorParameters<typeof Headers>[0]);
      if (typeof held.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** The real Response, built on first use. */
  static real(response: LightResponse): Response {
    if (response.#real !== null) return response.#real;
    const held = response.#held!;
    const init = { status: held.status, statusText: held.statusText, headers: (response.#headers ?? held.headers) as ResponseInit['headers'] };
    response.#real = new GlobalResponse(held.body as ResponseBodyInit, init);
    response.#held = null;
    return response.#real;
  }

  static is(x: unknown): x is LightResponse {
    return typeof x === 'object' && x !== null && #held in x;
  }

  /** What a light Response recorded, or null once it is (or was born) a real one. */
  static held(response: LightResponse): HeldResponse | null {
    return response.#held;
  }

  /** The recorded fields as header pairs, Response's default Content-Type added; null when they need Headers to read. */
  static fields(response: LightResponse): ReadonlyArray<readonly [string, string]> | null {
    if (response.#headers !== null) return null;
    const held = response.#held!;
    const init = held.headers;
    if (init === undefined || init === null) return typeof held.body === 'string' ? TEXT_PLAIN : NO_FIELDS;
    if (!isPlainInit(init)) return null;
    const fields: Array<readonly [string, string]> = [];
    let hasType = false;
    for (const name in init) {
      const value = (init as Record<string, unknown>)[name];
      if (typeof value !== 'string') return null;
      if (name.length === 12 && name.toLowerCase() === 'content-type') hasType = true;
      fields.push([name.toLowerCase(), value.trim()]);
    }
    if (!hasType && typeof held.body === 'string') fields.push(TEXT_PLAIN[0]!);
    return fields;
  }
}

Object.setPrototypeOf(LightResponse, GlobalResponse);
Object.setPrototypeOf(LightResponse.prototype, GlobalResponse.prototype);

// Response's own getters and methods reach the instance through undici's internal symbols.
for (const symbol of Object.getOwnPropertySymbols(new GlobalResponse(null))) {
  Object.defineProperty(LightResponse.prototype, symbol, {
    configurable: true,
    get(this: LightResponse): unknown {
      return (LightResponse.real(this) as unknown as Record<symbol, unknown>)[symbol];
    },
  });
}

/** Makes `Response` the light one, process-wide (idempotent). */
export const installLightResponse = (): void => {
  if (globalThis.Response !== (LightResponse as unknown as typeof Response)) {
    globalThis.Response = LightResponse as unknown as typeof Response;
  }
};
