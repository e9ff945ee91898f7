// validate(app): wraps an app of the gateway interface and checks both sides of
// the contract at run time, as Python's wsgiref.validate does. Before the call it
// checks the env the server built; during it, every use the app makes of the
// responder and the bound it sets on the body (body.limit); after it, what the
// app returned. Each breach is reported as a
// Violation naming the side at fault and the rule (docs/gateway-interface.md);
// by default the report throws, so a breach by the app becomes a 500 in tests
// instead of passing unseen.

import { PorticoError, isFieldValue, isToken } from '../core/index.js';
import type { App, AppResponse, BodyStream, Chunk, Env, OutgoingHeaders, Responder } from './env.js';

export interface Violation {
  /** Who broke the contract. */
  side: 'server' | 'app';
  /** A stable name for the rule, e.g. 'env.pathInfo' or 'res.write-after-end'. */
  rule: string;
  message: string;
}

export class ContractViolation extends PorticoError<'ERR_CONTRACT_VIOLATION'> {
  override readonly name = 'ContractViolation';
  constructor(readonly violation: Violation) {
    super('ERR_CONTRACT_VIOLATION', `${violation.side} broke ${violation.rule}: ${violation.message}`);
  }
}

export type ViolationReport = (violation: Violation) => void;

const throwViolation: ViolationReport = (v) => {
  throw new ContractViolation(v);
};

export const validate = (app: App, report: ViolationReport = throwViolation): App => {
  return (env, res) => {
    checkEnv(env, (rule, message) => report({ side: 'server', rule, message }));
    const appSide = (rule: string, message: string): void => report({ side: 'app', rule, message });
    const checked = new CheckedResponder(res, appSide);
    const result = app(withCheckedBody(env, appSide), checked);
    const afterReturn = (answer: void | AppResponse): void | AppResponse => {
      if (answer === undefined) return answer;
      if (answer === null || typeof answer !== 'object') {
        appSide('app.return', `returned ${String(answer)}, not an AppResponse or nothing`);
        return answer;
      }
      if (checked.used) appSide('app.return', 'both used the responder and returned a response');
      checkAppResponse(answer, appSide);
      return answer;
    };
    if (result !== undefined && result !== null && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<void | AppResponse>).then(afterReturn);
    }
    return afterReturn(result as void | AppResponse);
  };
};

type Fail = (rule: string, message: string) => void;

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535;

export const checkEnv = (env: Env, fail: Fail): void => {
  if (env === null || typeof env !== 'object') return fail('env', 'env is not an object');
  if (typeof env.method !== 'string' || !isToken(env.method)) fail('env.method', `not a token: ${String(env.method)}`);
  if (typeof env.scriptName !== 'string' || (env.scriptName !== '' && (!env.scriptName.startsWith('/') || env.scriptName.endsWith('/')))) {
    fail('env.scriptName', `must be "" or start with "/" and not end with "/": ${String(env.scriptName)}`);
  }
  for (const key of ['pathInfo', 'rawPathInfo'] as const) {
    const v = env[key];
    if (typeof v !== 'string' || (v !== '' && !v.startsWith('/'))) fail(`env.${key}`, `must be "" or start with "/": ${String(v)}`);
  }
  if (env.scriptName === '' && env.pathInfo === '' && env.target !== '*') fail('env.pathInfo', 'scriptName and pathInfo are both empty');
  if (typeof env.queryString !== 'string') fail('env.queryString', 'not a string');
  if (typeof env.target !== 'string' || env.target === '') fail('env.target', 'missing');
  if (env.protocol !== 'HTTP/1.0' && env.protocol !== 'HTTP/1.1') fail('env.protocol', `unexpected ${String(env.protocol)}`);
  if (env.headers === null || typeof env.headers !== 'object') fail('env.headers', 'not an object');
  else {
    for (const name of Object.keys(env.headers)) {
      const value = env.headers[name];
      if (!isToken(name) || name !== name.toLowerCase()) fail('env.headers', `name is not a lower-case token: ${name}`);
      if (typeof value !== 'string' || !isFieldValue(value)) fail('env.headers', `invalid value for ${name}`);
    }
    if (env.protocol === 'HTTP/1.1' && env.headers['host'] === undefined) fail('env.headers', 'HTTP/1.1 request without host');
  }
  if (!Array.isArray(env.rawHeaders) || env.rawHeaders.length % 2 !== 0) fail('env.rawHeaders', 'not an array of name/value pairs');
  else {
    for (let i = 0; i < env.rawHeaders.length; i += 2) {
      if (typeof env.rawHeaders[i] !== 'string' || !isToken(env.rawHeaders[i]!)) fail('env.rawHeaders', `bad name at ${i}`);
      if (typeof env.rawHeaders[i + 1] !== 'string') fail('env.rawHeaders', `bad value at ${i + 1}`);
    }
  }
  const body = env.body as Partial<Env['body']> | undefined;
  if (body === undefined || body === null || typeof body.read !== 'function' || typeof body.flow !== 'function') {
    fail('env.body', 'not a RequestBody');
  } else if (!Number.isInteger(body.length) || (body.length as number) < -1) {
    fail('env.body', `bad length ${String(body.length)}`);
  } else if (body.limit !== undefined && typeof body.limit !== 'function') {
    fail('env.body', 'limit is not a function');
  }
  if (env.scheme !== 'http' && env.scheme !== 'https') fail('env.scheme', `unexpected ${String(env.scheme)}`);
  if (typeof env.secure !== 'boolean' || env.secure !== (env.scheme === 'https')) fail('env.secure', 'does not match scheme');
  if (typeof env.serverName !== 'string' || env.serverName === '') fail('env.serverName', 'missing');
  for (const key of ['serverPort', 'remotePort', 'localPort'] as const) {
    if (!isPort(env[key])) fail(`env.${key}`, `not a port number: ${String(env[key])}`);
  }
  for (const key of ['remoteAddress', 'localAddress'] as const) {
    if (typeof env[key] !== 'string') fail(`env.${key}`, 'not a string');
  }
  if (env.extensions === null || typeof env.extensions !== 'object') fail('env.extensions', 'not an object');
};

/**
 * The env with a body whose limit(max) checks `max` (a byte count, not negative)
 * before the server's own runs; everything else reaches the server's body as it
 * is. An env whose body has no limit() is passed unchanged.
 */
const withCheckedBody = (env: Env, fail: Fail): Env => {
  const body = env?.body as BodyStream | undefined;
  if (typeof body?.limit !== 'function') return env;
  const limit = (max: number): void => {
    if (typeof max !== 'number' || Number.isNaN(max) || max < 0) fail('body.limit', `not a byte count: ${String(max)}`);
    body.limit!(max);
  };
  const checked = new Proxy(body, {
    get(target, key) {
      if (key === 'limit') return limit;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...env, body: checked };
};

const isStatus = (s: unknown): boolean => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 999;

const checkHeaders = (headers: OutgoingHeaders | undefined, fail: Fail, rule: string): void => {
  if (headers === undefined) return;
  const checkField = (name: unknown, value: unknown): void => {
    if (typeof name !== 'string' || !isToken(name)) fail(rule, `field name is not a token: ${JSON.stringify(name)}`);
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined) continue;
      const s = typeof v === 'number' ? String(v) : v;
      if (typeof s !== 'string' || !isFieldValue(s)) fail(rule, `invalid value for field ${String(name)}`);
    }
  };
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, string]>) {
      if (!Array.isArray(pair) || pair.length !== 2) fail(rule, 'header pairs must be [name, value]');
      else checkField(pair[0], pair[1]);
    }
  } else if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) checkField(name, value);
  } else {
    fail(rule, 'headers must be an object or an array of pairs');
  }
};

const isChunk = (c: unknown): c is Chunk => typeof c === 'string' || c instanceof Uint8Array;

const checkAppResponse = (answer: AppResponse, fail: Fail): void => {
  if (!isStatus(answer.status)) fail('response.status', `invalid status ${String(answer.status)}`);
  checkHeaders(answer.headers, fail, 'response.headers');
  checkHeaders(answer.trailers, fail, 'response.trailers');
  const body = answer.body as unknown;
  if (body === undefined || body === null || isChunk(body)) return;
  if (typeof body === 'object' && (Symbol.asyncIterator in body || typeof (body as ReadableStream).getReader === 'function')) return;
  fail('response.body', 'body must be a string, Uint8Array, async iterable or ReadableStream');
};

/** A responder that checks each call the app makes, then forwards it. */
class CheckedResponder implements Responder {
  used = false;
  private endCalled = false;

  constructor(
    private readonly res: Responder,
    private readonly fail: Fail,
  ) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }
  get aborted(): boolean {
    return this.res.aborted;
  }
  get ended(): boolean {
    return this.res.ended;
  }
  get signal(): AbortSignal {
    return this.res.signal;
  }

  writeHead(status: number, headers?: OutgoingHeaders, options?: Parameters<Responder['writeHead']>[2]): unknown {
    this.used = true;
    if (!isStatus(status)) this.fail('res.writeHead', `invalid status ${String(status)}`);
    if (this.res.headersSent) this.fail('res.writeHead', 'called after the head was sent');
    checkHeaders(headers, this.fail, 'res.writeHead');
    return this.res.writeHead(status, headers, options);
  }

  writeInformational(status: number, headers?: OutgoingHeaders): void {
    this.used = true;
    if (!Number.isInteger(status) || status < 100 || status > 199) this.fail('res.writeInformational', `not a 1xx status: ${status}`);
    checkHeaders(headers, this.fail, 'res.writeInformational');
    this.res.writeInformational(status, headers);
  }

  write(chunk: Chunk): boolean {
    this.used = true;
    if (!isChunk(chunk)) this.fail('res.write', 'chunk must be a string or Uint8Array');
    if (this.endCalled) this.fail('res.write-after-end', 'write() after end()');
    return this.res.write(chunk);
  }

  end(chunk?: Chunk, trailers?: OutgoingHeaders): void {
    this.used = true;
    if (chunk !== undefined && !isChunk(chunk)) this.fail('res.end', 'chunk must be a string or Uint8Array');
    if (this.endCalled) this.fail('res.write-after-end', 'end() called twice');
    checkHeaders(trailers, this.fail, 'res.end');
    this.endCalled = true;
    this.res.end(chunk, trailers);
  }

  abort(err?: Error): void {
    this.used = true;
    this.res.abort(err);
  }

  onDrain(cb: () => void): void {
    this.res.onDrain(cb);
  }

  onClose(cb: (err?: Error) => void): void {
    this.res.onClose(cb);
  }

  detach(): { socket: import('node:net').Socket; head: Buffer } {
    this.used = true;
    return this.res.detach();
  }
}
