// Builds the genuine http.IncomingMessage an app receives. Express and Koa swap
// its prototype, so everything Portico adds is an own property, and everything
// else comes from Node's own code: the header fields go through Node's header
// routine (_addHeaderLines, which also keeps rawHeaders), so duplicates,
// Set-Cookie arrays and Cookie joining behave exactly as on node:http. The URL
// is the request-target as received (absolute-form, ".." and odd escapes
// included: the app judges them, as express.static does), with the mount prefix
// removed for a mounted app, as Express does for a sub-app; originalUrl keeps the
// full target. The body is pushed from the engine's RequestBody as Node
// asks for it (_read), and a full buffer (push() returning false) pauses the
// engine, which stops reading the client: backpressure end to end.

import http from 'node:http';
import type { Socket } from 'node:net';
import type { BodySink, BodyStream, Env } from '../env.js';
import { abortedError } from './node-internals.js';

const kBodyPump = Symbol('portico.bodyPump');

/** The IncomingMessage internals the adapter touches. */
export interface NodeRequest extends http.IncomingMessage {
  originalUrl?: string;
  upgrade: boolean;
  _consuming: boolean;
  _dumped: boolean;
  _readableState: { readingMore: boolean; resumeScheduled: boolean };
  _addHeaderLines(headers: string[], n: number): void;
  _dump(): void;
  [kBodyPump]?: BodyPump;
}

/** Sets method, URL, version and header fields from the env. */
export const describeRequest = (req: NodeRequest, env: Env): void => {
  req.method = env.method;
  req.url = env.scriptName === '' ? env.target : mountedUrl(env);
  req.originalUrl = env.target;
  const minor = env.protocol === 'HTTP/1.0' ? 0 : 1;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = minor;
  req.httpVersion = minor === 1 ? '1.1' : '1.0';
  // Setting rawHeaders alone leaves `headers` empty: Node builds it from its own count.
  const raw = env.rawHeaders as string[];
  req._addHeaderLines(raw, raw.length);
};

/**
 * The target without the mount prefix. The router matched the prefix on the
 * normalised path; when the raw target spells it differently (escapes, dot
 * segments), the normalised path below the mount stands in. An absolute-form
 * target keeps its scheme and authority, as Express's trim_prefix does.
 */
const mountedUrl = (env: Env): string => {
  const target = env.target;
  const prefix = env.scriptName;
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f) {
    const authority = target.indexOf('//');
    const slash = authority === -1 ? -1 : target.indexOf('/', authority + 2);
    if (slash === -1) return normalisedUrl(env);
    start = slash;
  }
  if (!target.startsWith(prefix, start)) return normalisedUrl(env);
  const end = start + prefix.length;
  if (end === target.length || target.charCodeAt(end) === 0x3f /* ? */) return target.slice(0, start) + '/' + target.slice(end);
  if (target.charCodeAt(end) !== 0x2f) return normalisedUrl(env);
  return target.slice(0, start) + target.slice(end);
};

const normalisedUrl = (env: Env): string => {
  const path = env.rawPathInfo === '' ? '/' : env.rawPathInfo;
  return env.queryString === '' ? path : path + '?' + env.queryString;
};

/**
 * Destroys the request ('aborted' when incomplete, then 'close') for the engine's
 * reasons, without IncomingMessage's habit of destroying its socket too: the
 * engine decides what becomes of the connection (an error page still to be
 * written on it, say). An app's own req.destroy() still cuts the connection, as on node.
 */
export const destroyRequest = (req: NodeRequest, err: Error): void => {
  const socket = req.socket;
  (req as { socket: unknown }).socket = null;
  try {
    req.destroy(err);
  } finally {
    (req as { socket: unknown }).socket = socket;
  }
};

/** A request whose body is already complete (none, or not Node's to read, as after an upgrade). */
export const endRequest = (req: NodeRequest): void => {
  req.complete = true;
  req.push(null);
};

export const createRequest = (env: Env, socket: Socket): NodeRequest => {
  const req = new http.IncomingMessage(socket) as NodeRequest;
  describeRequest(req, env);
  // node:http's value for every request not delivered through the 'upgrade' event.
  req.upgrade = false;
  // A request without a body is ended by the caller once the handler returned:
  // node:http, too, completes it only after the 'request' listeners ran.
  if (env.body.length !== 0) {
    req[kBodyPump] = new BodyPump(req, env.body);
    req._read = readBody;
  }
  return req;
};

/** IncomingMessage._read, as an own property: Node asks for more of the body. */
function readBody(this: NodeRequest): void {
  if (!this._consuming) {
    this._readableState.readingMore = false;
    this._consuming = true;
  }
  this[kBodyPump]!.pull();
}

/** Feeds the engine's body into the IncomingMessage with push(). */
class BodyPump implements BodySink {
  private flowing = false;

  constructor(
    private readonly req: NodeRequest,
    private readonly body: BodyStream,
  ) {}

  pull(): void {
    if (this.flowing) this.body.resume();
    else {
      this.flowing = true;
      this.body.flow(this);
    }
  }

  data(chunk: Buffer): boolean {
    return this.req.push(chunk);
  }

  end(err?: Error): void {
    const req = this.req;
    if (err === undefined) {
      req.complete = true;
      const trailers = this.body.rawTrailers;
      if (trailers !== null && trailers.length > 0) req._addHeaderLines(trailers as string[], trailers.length);
      req.push(null);
      return;
    }
    if (req._dumped) {
      // The response finished and node:http would have drained the rest; the engine discards it.
      endRequest(req);
      return;
    }
    const code = (err as { code?: string }).code;
    destroyRequest(req, code !== undefined && CONNECTION_LOST.has(code) ? abortedError() : err);
  }
}

/** The engine's codes for a connection lost under a request body (docs/errors.md): node:http says 'aborted'. */
const CONNECTION_LOST = new Set(['ERR_CLIENT_GONE', 'ERR_BODY_ABORTED', 'ERR_BODY_DISCARDED', 'ERR_RESPONSE_ABORTED', 'ERR_CONNECTION_DESTROYED', 'ERR_SEND_TIMEOUT', 'ERR_RESPONSE_BUFFER_OVERFLOW']);
