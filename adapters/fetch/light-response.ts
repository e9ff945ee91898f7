// A Response that builds Node's Response only when something needs it. Node 20's
// Response (undici) makes a web ReadableStream for every body and copies bytes
// bodies, which costs more than Portico's whole handling of a request; a handler
// answering `new Response('text')` (Hono's c.text, c.json, c.html, c.body) never
// needs either when Portico sends the body in one write. So `new LightResponse(body,
// init)` with a string, a Uint8Array or no body only records status, reason and
// fields, read and checked as Node's constructor reads them (response-init.ts);
// any other body or init builds the real Response at once, which then throws or
// answers exactly as it would. The fields are handed out as a real Headers (of a
// bodyless real Response, made when first asked for), and the first use of
// anything else (body, text(), clone(), ...) makes it the real Response, with the
// body adopted into it, to which every Response getter and method then goes
// through undici's own internal symbols (found by probing). It is not a subclass:
// a subclass's constructor would have to build the stream. `instanceof` holds both
// ways. The one thing it does not do is copy a Uint8Array body: a change made to
// it after construction shows, as it does in node:http's res.end(bytes) and in
// @hono/node-server's Response; copying 1 MiB costs as much as serving it.
// response-global.ts decides when it stands in for the global Response.

import { types } from 'node:util';
import { readInit, normalizeValue, InitFallback, type Field } from './response-init.js';

/** Node's own Response, as found when this module loaded. */
export const NodeResponse = globalThis.Response;
type BodyInit = ConstructorParameters<typeof NodeResponse>[0];
type Internal = Record<symbol, unknown>;

// Fetch standard: a Response with one of these statuses has no body.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const TEXT_TYPE: Field = Object.freeze(['content-type', 'text/plain;charset=UTF-8'] as const);
const TEXT_FIELDS: readonly Field[] = Object.freeze([TEXT_TYPE]);
const NO_FIELDS: readonly Field[] = Object.freeze([]);

/** undici's internal state of a Response (status, headersList, body: { stream, source, length }). */
const STATE = ((): symbol | null => {
  try {
    const probe = new NodeResponse('portico');
    for (const key of Object.getOwnPropertySymbols(probe)) {
      const state = (probe as unknown as Record<symbol, { body?: { source?: unknown; stream?: unknown }; headersList?: unknown } | undefined>)[key];
      if (state?.body?.source === 'portico' && state.body.stream === probe.body && state.headersList !== undefined) return key;
    }
  } catch {
    // No usable Response here.
  }
  return null;
})();

let usable = false;

const isHeldBody = (body: unknown): body is string | Uint8Array | null | undefined =>
  body === undefined ||
  body === null ||
  typeof body === 'string' ||
  // An empty view may be a detached one, which the real constructor refuses; shared memory it refuses too.
  (types.isUint8Array(body) && body.byteLength > 0 && !types.isSharedArrayBuffer(body.buffer));

const hasContentType = (fields: readonly Field[]): boolean => {
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i]![0];
    if (name.length === 12 && name.toLowerCase() === 'content-type') return true;
  }
  return false;
};

/**
 * Fields as iterating a Headers built from `given` yields them: names lower-cased
 * and sorted, repeated ones combined (", ", Cookie with "; "), each Set-Cookie apart.
 */
const headersOrder = (given: readonly Field[]): Field[] => {
  const fields: Array<[string, string]> = [];
  for (const [rawName, rawValue] of given) {
    const name = rawName.toLowerCase();
    const value = normalizeValue(rawValue);
    const same = name === 'set-cookie' ? undefined : fields.find((f) => f[0] === name);
    if (same === undefined) fields.push([name, value]);
    else same[1] += (name === 'cookie' ? '; ' : ', ') + value;
  }
  // Insertion sort by name: stable, so Set-Cookie lines keep their order.
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i]!;
    let j = i - 1;
    for (; j >= 0 && fields[j]![0] > field[0]; j--) fields[j + 1] = fields[j]!;
    fields[j + 1] = field;
  }
  return fields;
};

export class LightResponse {
  #status = 200;
  #statusText = '';
  #body: string | Uint8Array | null = null;
  /** The fields as given (names in their case, values as read), Response's default Content-Type last. */
  #fields: readonly Field[] = NO_FIELDS;
  /** The same, in the order and form iterating Headers gives, once asked for. */
  #wireFields: readonly Field[] | null = null;
  /** A bodyless real Response holding the fields, made when they are asked for: its Headers is the one handed out. */
  #shell: Response | null = null;
  /** The real Response, once made (or from the start, for other bodies and inits). */
  #real: Response | null = null;

  static [Symbol.hasInstance](x: unknown): boolean {
    // Real Responses (fetch()'s, Response.json()'s) are Responses too; a subclass keeps the ordinary check.
    return this === LightResponse ? x instanceof NodeResponse : Function.prototype[Symbol.hasInstance].call(this, x);
  }

  constructor(body?: unknown, init?: unknown) {
    if (!usable || !isHeldBody(body)) {
      this.#real = new NodeResponse(body as BodyInit, init as ResponseInit);
      return;
    }
    const isText = typeof body === 'string';
    this.#body = body ?? null;
    if (init === undefined || init === null) {
      this.#fields = isText ? TEXT_FIELDS : NO_FIELDS;
      return;
    }
    const parts = readInit(init);
    if (parts instanceof InitFallback) {
      this.#body = null;
      this.#real = new NodeResponse(body as BodyInit, parts.init as ResponseInit);
      return;
    }
    const { status, statusText, fields, headers } = parts;
    if (body !== undefined && body !== null && NULL_BODY_STATUS.has(status)) {
      // The real constructor throws here, with its own message.
      this.#body = null;
      this.#real = new NodeResponse(body as BodyInit, { status, statusText, headers: headers ?? (fields as Array<[string, string]>) });
      return;
    }
    this.#status = status;
    this.#statusText = statusText;
    if (headers !== null) {
      // A Headers is copied from its internal list (names in their case, in order): only a real Response can.
      const shell = (this.#shell = new NodeResponse(null, { status, statusText, headers }));
      if (isText && !shell.headers.has('content-type')) shell.headers.append(TEXT_TYPE[0], TEXT_TYPE[1]);
      return;
    }
    if (isText && !hasContentType(fields)) fields.push(TEXT_TYPE);
    this.#fields = fields;
  }

  get status(): number {
    return this.#real === null ? this.#status : this.#real.status;
  }

  get statusText(): string {
    return this.#real === null ? this.#statusText : this.#real.statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  get headers(): Headers {
    return (this.#real ?? this.#shellResponse()).headers;
  }

  get bodyUsed(): boolean {
    return this.#real === null ? false : this.#real.bodyUsed;
  }

  get type(): Response['type'] {
    return this.#real === null ? 'default' : this.#real.type;
  }

  get url(): string {
    return this.#real === null ? '' : this.#real.url;
  }

  get redirected(): boolean {
    return this.#real === null ? false : this.#real.redirected;
  }

  #shellResponse(): Response {
    return (this.#shell ??= new NodeResponse(null, { status: this.#status, statusText: this.#statusText, headers: this.#fields as Array<[string, string]> }));
  }

  /** The real Response behind `response`, made on first use. */
  static real(response: LightResponse): Response {
    if (response.#real !== null) return response.#real;
    const body = response.#body;
    let real = response.#shell;
    if (real === null) {
      real = new NodeResponse(body, { status: response.#status, statusText: response.#statusText, headers: response.#fields as Array<[string, string]> });
    } else if (body !== null) {
      // The handed-out Headers must stay this Response's: give the shell the body a real Response makes of it.
      (real as unknown as Record<symbol, { body: unknown }>)[STATE!]!.body = (new NodeResponse(body) as unknown as Record<symbol, { body: unknown }>)[STATE!]!.body;
    }
    response.#real = real;
    response.#shell = null;
    response.#body = null;
    response.#fields = NO_FIELDS;
    response.#wireFields = null;
    return real;
  }

  /** True for a LightResponse (real or still held). */
  static is(x: unknown): x is LightResponse {
    return typeof x === 'object' && x !== null && #real in x;
  }

  /** The body it holds (null: none), or undefined once it is (or was born) a real Response. */
  static heldBody(response: LightResponse): string | Uint8Array | null | undefined {
    return response.#real === null ? response.#body : undefined;
  }

  /** Status of a held response. */
  static heldStatus(response: LightResponse): number {
    return response.#status;
  }

  /** Reason phrase of a held response ("" when none was given). */
  static heldStatusText(response: LightResponse): string {
    return response.#statusText;
  }

  /** Fields of a held response as iterating its Headers gives them (so the wire is the same as for a real one). */
  static heldFields(response: LightResponse): ReadonlyArray<readonly [string, string]> {
    if (response.#shell !== null) return [...response.#shell.headers];
    const fields = response.#fields;
    // Response's own default, or none: already in Headers' form.
    if (fields === TEXT_FIELDS || fields === NO_FIELDS) return fields;
    return (response.#wireFields ??= headersOrder(fields));
  }
}

Object.defineProperty(LightResponse, 'name', { value: 'Response' });
Object.defineProperty(LightResponse, 'length', { value: 0 });
Object.setPrototypeOf(LightResponse, NodeResponse);
Object.setPrototypeOf(LightResponse.prototype, NodeResponse.prototype);

// Response's own getters and methods reach the instance through undici's internal symbols.
const forwardInternals = (): void => {
  for (const symbol of Object.getOwnPropertySymbols(new NodeResponse(null))) {
    Object.defineProperty(LightResponse.prototype, symbol, {
      configurable: true,
      get(this: LightResponse): unknown {
        return (LightResponse.real(this) as unknown as Internal)[symbol];
      },
    });
  }
};

/** Whether a light Response behaves as a real one here (headers, body, clone, the shell adopting a body). */
const probe = (): boolean => {
  if (STATE === null) return false;
  try {
    forwardInternals();
    usable = true;
    const text = new LightResponse('probe', { status: 201, headers: { 'x-probe': '1' } }) as unknown as Response;
    const headers = text.headers;
    headers.set('x-later', '2');
    const body = text.body;
    const clone = text.clone();
    const bytes = new LightResponse(new Uint8Array([1]));
    return (
      text instanceof NodeResponse &&
      LightResponse.heldBody(text as unknown as LightResponse) === undefined &&
      text.headers === headers &&
      body instanceof ReadableStream &&
      !text.bodyUsed &&
      clone.status === 201 &&
      clone.headers.get('x-later') === '2' &&
      clone.headers.get('content-type') === 'text/plain;charset=UTF-8' &&
      (LightResponse.real(bytes) as unknown as Record<symbol, { body: { length: number } }>)[STATE]!.body.length === 1
    );
  } catch {
    return false;
  }
};

/** False where the probe found a light Response unable to pass for a real one: it is then never installed. */
export const lightResponsesWork = (usable = probe());
