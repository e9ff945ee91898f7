// Wires a genuine http.ServerResponse to the Portico responder. Node's own
// ServerResponse code keeps running (setHeader, writeHead, write, end, the
// checks and events middleware rely on), and four of its internal steps are
// replaced by own properties, since Express and Koa swap the prototype:
//   _storeHeader  takes the status and fields Node collected (including those
//                 given to writeHead) and hands them to responder.writeHead,
//                 instead of serialising a head with Node's framing;
//   _send         hands body bytes to responder.write synchronously, never
//                 chunk-coded by Node (chunkedEncoding stays false);
//   _finish       ends the Portico response, then emits 'prefinish';
//   _writeRaw     only reached for 1xx heads (writeEarlyHints, writeProcessing).
// Portico then frames the message: the app's Content-Length, Transfer-Encoding
// and Connection fields are read as intent (RFC 9112 §6, §9.6), never copied.
// A body given whole to end() with no prior write goes out in one responder.end()
// and so with Content-Length, as node:http does. 'finish' then 'close' follow in
// node:http's order; a connection that dies first gives 'close' alone (exchange.ts).
// The response is attached to the connection's own socket (socket._httpMessage,
// res.socket) without node's assignSocket, whose 'close' listener and
// one-response-per-socket assertion belong to node's own queue of pipelined
// responses. Fields given to writeHead alone, which Node does not validate on
// this path, are checked with Node's validators when Portico refuses them, so the
// app gets Node's own error (ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR).

import http from 'node:http';
import type { Socket } from 'node:net';
import { statusText, type OutgoingHeaders, type HeaderValue } from '../../core/index.js';
import type { Chunk } from '../env.js';
import type { Exchange } from './exchange.js';
import type { NodeRequest } from './request.js';
import { baseFinish, emitResponseClose, kOutHeaders, nodeNop } from './node-internals.js';

const kExchange = Symbol('portico.exchange');

/** The socket fields node:http keeps for the response using it. */
type HttpSocket = Socket & { _httpMessage: http.ServerResponse | null };

/** The ServerResponse internals the adapter touches. */
export interface NodeResponse extends http.ServerResponse {
  _header: string | null;
  _headerSent: boolean;
  _hasBody: boolean;
  _contentLength: number | null;
  _removedContLen: boolean;
  _removedTE: boolean;
  _trailer: string;
  chunkedEncoding: boolean;
  shouldKeepAlive: boolean;
  [kExchange]: Exchange;
}

type Callback = (err?: Error | null) => void;

export const createResponse = (req: NodeRequest, exchange: Exchange, socket: Socket): NodeResponse => {
  const res = new http.ServerResponse(req) as unknown as NodeResponse;
  // Keep-alive is Portico's decision; false here only if the app sets it so.
  res.shouldKeepAlive = true;
  res[kExchange] = exchange;
  const own = res as unknown as Record<string, unknown>;
  own._storeHeader = storeHeader;
  own._send = send;
  own._finish = finish;
  own._writeRaw = writeRaw;
  exchange.res = res;
  // assignSocket, less its 'close' listener (exchange.ts reports the close) and its
  // assertion (a response finishing asynchronously may still hold the socket when
  // the next request on the connection starts).
  (res as { socket: Socket | null }).socket = socket;
  (socket as HttpSocket)._httpMessage = res;
  res.on('finish', onFinish);
  return res;
};

/** The exchange a response belongs to. */
export const exchangeOf = (res: NodeResponse): Exchange => res[kExchange];

const CRLF = '\r\n';

function storeHeader(this: NodeResponse, statusLine: string, headers: unknown): void {
  const exchange = this[kExchange];
  let fields = collectFields(this, headers);
  if (this.shouldKeepAlive === false || exchange.policy.last) (fields ??= {})['connection'] = 'close';
  const responder = exchange.responder;
  if (responder !== null && !responder.aborted) {
    const status = this.statusCode;
    const message = this.statusMessage;
    // Node drops both framing fields when the app removed them: the close delimits the body.
    const framing = this._removedContLen && this._removedTE ? ('close' as const) : undefined;
    const reason = message !== undefined && message !== statusText(status) ? message : undefined;
    const policy = exchange.policy.options;
    const options = reason === undefined && framing === undefined ? policy : { ...policy, reason, framing };
    try {
      responder.writeHead(status, fields, options);
    } catch (err) {
      throw (fields !== undefined ? nodeHeaderError(fields) : undefined) ?? err;
    }
  }
  // end(body) before any write: the whole body comes in the next _send; send it with end().
  exchange.holding = this._hasBody && typeof this._contentLength === 'number' && !this._removedContLen;
  this._header = statusLine + CRLF;
  this._headerSent = false;
  this.chunkedEncoding = false;
}

/** Node's own error for the first field its validators refuse, if any. */
const nodeHeaderError = (fields: Record<string, HeaderValue>): Error | undefined => {
  try {
    for (const name of Object.keys(fields)) {
      http.validateHeaderName(name);
      const value = fields[name];
      if (value !== undefined) http.validateHeaderValue(name, value as string);
    }
  } catch (err) {
    return err as Error;
  }
  return undefined;
};

/** The fields Node collected, as Portico's header record (original name case kept); undefined for none. */
const collectFields = (res: NodeResponse, headers: unknown): Record<string, HeaderValue> | undefined => {
  if (headers === null || headers === undefined) return undefined;
  const fields: Record<string, HeaderValue> = {};
  if (kOutHeaders !== undefined && headers === (res as unknown as Record<symbol, unknown>)[kOutHeaders]) {
    const map = headers as Record<string, [string, unknown]>;
    for (const key in map) {
      const entry = map[key]!;
      fields[entry[0]] = fieldValue(entry[1]);
    }
  } else if (Array.isArray(headers)) {
    // writeHead(status, [[name, value], ...]) or the flat [name, value, name, value, ...].
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as Array<[string, unknown]>) addField(fields, pair[0], pair[1]);
    } else {
      for (let i = 0; i < headers.length; i += 2) addField(fields, headers[i] as string, headers[i + 1]);
    }
  } else if (kOutHeaders === undefined && res.getHeaderNames().length > 0) {
    for (const name of (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames()) fields[name] = fieldValue(res.getHeader(name));
  } else {
    const record = headers as Record<string, unknown>;
    for (const name of Object.keys(record)) fields[name] = fieldValue(record[name]);
  }
  return fields;
};

const fieldValue = (value: unknown): HeaderValue => {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : value.map(String);
  return value === undefined ? undefined : String(value);
};

const addField = (fields: Record<string, HeaderValue>, name: string, value: unknown): void => {
  const v = fieldValue(value);
  const prior = fields[name];
  if (prior === undefined) fields[name] = v;
  else fields[name] = ([] as string[]).concat(prior as string | string[], v as string | string[]);
};

const toChunk = (data: string | Uint8Array, encoding: BufferEncoding | null | undefined): Chunk =>
  typeof data !== 'string' || !encoding || encoding === 'utf8' || encoding === 'utf-8' ? data : Buffer.from(data, encoding);

function send(
  this: NodeResponse,
  data: string | Uint8Array,
  encoding: BufferEncoding | null | undefined,
  callback: Callback | null | undefined,
): boolean {
  const exchange = this[kExchange];
  const responder = exchange.responder;
  // As node:http's _writeRaw on a destroyed socket: nothing is written, no callback.
  if (responder === null || responder.aborted) return false;
  this._headerSent = true;
  if (exchange.holding) {
    if (data.length !== 0) {
      const chunk = toChunk(data, encoding);
      const held = exchange.heldBody;
      exchange.heldBody = held === undefined ? chunk : Buffer.concat([Buffer.from(held), Buffer.from(chunk)]);
    }
    if (typeof callback === 'function' && callback !== nodeNop) exchange.afterWrite(callback, true);
    return true;
  }
  let ok = true;
  if (data.length !== 0 || !responder.headersSent) {
    try {
      ok = responder.write(toChunk(data, encoding));
    } catch (err) {
      // More bytes than the declared Content-Length: Portico cut the connection.
      this.destroy(err as Error);
      return false;
    }
  }
  if (typeof callback === 'function' && callback !== nodeNop) exchange.afterWrite(callback, ok);
  else if (!ok) exchange.awaitDrain();
  return ok;
}

function finish(this: NodeResponse): void {
  const exchange = this[kExchange];
  const responder = exchange.responder;
  if (responder !== null && !responder.aborted && !responder.ended) {
    const trailers = this._trailer === '' ? undefined : parseFields(this._trailer, 0);
    try {
      if (exchange.holding) {
        const body = exchange.heldBody;
        exchange.heldBody = undefined;
        responder.end(body, trailers);
      } else {
        responder.end(undefined, trailers);
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }
  baseFinish.call(this);
}

/** Only 1xx heads get here (writeEarlyHints, writeProcessing, writeContinue). */
function writeRaw(this: NodeResponse, data: string, encoding: unknown, callback?: Callback): boolean {
  if (typeof encoding === 'function') callback = encoding as Callback;
  const responder = this[kExchange].responder;
  const text = String(data);
  const status = Number(text.slice(9, 12));
  // 100 Continue goes through the engine, which sends it once, if the client waits for it.
  if (status >= 100 && status < 200 && responder !== null && !responder.aborted && !responder.headersSent) {
    responder.writeInformational(status, parseFields(text, text.indexOf(CRLF) + 2));
  }
  if (typeof callback === 'function') process.nextTick(callback);
  return true;
}

/** "Name: value\r\n" lines (Node's serialised trailers or 1xx fields) as [name, value] pairs. */
const parseFields = (text: string, from: number): OutgoingHeaders => {
  const pairs: Array<[string, string]> = [];
  for (const line of text.slice(from).split(CRLF)) {
    const colon = line.indexOf(':');
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return pairs;
};

/** node:http's resOnFinish: dump an unread body, free the socket, then 'close'. */
function onFinish(this: NodeResponse): void {
  const req = this.req as NodeRequest;
  if (!req._consuming && !req._readableState.resumeScheduled) req._dump();
  const socket = this.socket as HttpSocket | null;
  if (socket !== null) {
    // The next request on the connection may already hold it.
    if (socket._httpMessage === this) socket._httpMessage = null;
    (this as { socket: Socket | null }).socket = null;
  }
  process.nextTick(emitResponseClose, this);
}
