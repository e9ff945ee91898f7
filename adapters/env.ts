// The gateway interface: the contract between Portico and every app it hosts,
// the way PEP 3333's environ and Rack's SPEC are. docs/gateway-interface.md
// states it in prose; this file states it in types; validator.ts
// checks it at run time. Adapters (node, fetch, cgi, static) are apps of this
// interface that translate it for the app they wrap.

import type { HeadOptions, OutgoingHeaders, RequestBody, Chunk } from '../core/index.js';

/** What the server tells an app about one request. */
export interface Env {
  /** Request method as received, case-sensitive ("GET", "POST", ...). */
  readonly method: string;
  /** The mount prefix that selected this app: "" at the root, else "/x" (no trailing slash). */
  readonly scriptName: string;
  /** The rest of the path below the mount, percent-decoded once, dot-segments removed; "" or starts with "/".
   *  "%2F" and "%25" stay encoded so that decoded slashes never look like segment boundaries. */
  readonly pathInfo: string;
  /** The same path below the mount, still percent-encoded (dot-segments removed). */
  readonly rawPathInfo: string;
  /** What follows "?" in the target, still encoded; "" when there is none. */
  readonly queryString: string;
  /** The request-target exactly as received (origin-, absolute- or asterisk-form). */
  readonly target: string;
  readonly protocol: 'HTTP/1.0' | 'HTTP/1.1';
  /** Request fields, lower-cased names; repeated fields joined with ", " (Cookie with "; "). */
  readonly headers: Readonly<Record<string, string>>;
  /** Request fields in arrival order and case: [name, value, name, value, ...]. */
  readonly rawHeaders: readonly string[];
  /** The request body, a stream with backpressure (empty, length 0, when there is none). */
  readonly body: RequestBody;
  /** "https" on TLS listeners, else "http". */
  readonly scheme: 'http' | 'https';
  /** Host name the client asked for (Host or absolute target, port removed), else the local address. */
  readonly serverName: string;
  /** Port the client asked for (from Host, else the scheme's default), else the local port. */
  readonly serverPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly secure: boolean;
  /** Room for server and adapter extensions, namespaced ("portico.*" belongs to Portico). */
  readonly extensions: Record<string, unknown>;
}

/**
 * How an app answers: the responder. Head first (writeHead, optional: 200 with no
 * fields otherwise), then write() parts, then end(). write() returns false when
 * the client is behind: wait for onDrain() before writing more.
 */
export interface Responder {
  writeHead(status: number, headers?: OutgoingHeaders, options?: HeadOptions): unknown;
  writeInformational(status: number, headers?: OutgoingHeaders): void;
  write(chunk: Chunk): boolean;
  end(chunk?: Chunk, trailers?: OutgoingHeaders): void;
  abort(err?: Error): void;
  onDrain(cb: () => void): void;
  onClose(cb: (err?: Error) => void): void;
  detach(): { socket: import('node:net').Socket; head: Buffer };
  readonly headersSent: boolean;
  readonly ended: boolean;
  readonly aborted: boolean;
  /** Aborted when the client goes away before the response is complete. */
  readonly signal: AbortSignal;
}

/** A body an app may return: complete (string, bytes) or streamed (async iterable, web ReadableStream). */
export type ResponseBody =
  | string
  | Uint8Array
  | AsyncIterable<Chunk>
  | ReadableStream<Uint8Array>
  | null
  | undefined;

/** A complete answer returned instead of (not as well as) using the responder. */
export interface AppResponse {
  status: number;
  headers?: OutgoingHeaders;
  body?: ResponseBody;
  trailers?: OutgoingHeaders;
}

/**
 * An app of the gateway interface. It either returns (or resolves to) an
 * AppResponse, or answers through `res` and returns nothing.
 */
export type App = (env: Env, res: Responder) => void | AppResponse | Promise<void | AppResponse>;

export type { Chunk, OutgoingHeaders };
