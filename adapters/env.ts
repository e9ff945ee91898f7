// The gateway interface: the contract between Portico and every app it hosts,
// the way PEP 3333's environ and Rack's SPEC are. docs/gateway-interface.md
// states it in prose; this file states it in types; validator.ts
// checks it at run time. Adapters (node, fetch, cgi, static) are apps of this
// interface that translate it for the app they wrap.

import type { Socket } from 'node:net';
import type { HeadOptions, OutgoingHeaders, Chunk, BodySink, ConnectionInfo } from '../core/index.js';
import type { Logger } from './log.js';

/**
 * The request body an app reads: a stream with backpressure, pulled (`read()`,
 * `for await`, `bytes()`, `text()`) or pushed (`flow(sink)`, `pause()`, `resume()`).
 * The first read is the app's consent to `Expect: 100-continue`. core's RequestBody
 * is the server's implementation; apps and adapters rely on this interface only.
 */
export interface BodyStream extends AsyncIterable<Buffer> {
  /** Content-Length, 0 for no body, -1 for a chunked body. */
  readonly length: number;
  /** Bytes received from the client so far. */
  readonly received: number;
  /** True once the whole body arrived (or failed). */
  readonly complete: boolean;
  /** Trailer fields of a chunked body, once it ended (null before, or when there were none). */
  readonly trailers: Readonly<Record<string, string>> | null;
  /** The same, as received: [name, value, name, value, ...]. */
  readonly rawTrailers: readonly string[] | null;
  read(): Promise<Buffer | null>;
  flow(sink: BodySink): void;
  pause(): void;
  resume(): void;
  /**
   * Lowers the most bytes the body may have for the rest of the request, so that
   * the server, not the reader, refuses a body past it with its one 413
   * (ERR_BODY_TOO_LARGE). A declared length over it, or a body that arrived whole
   * over it, throws that HttpError now: the caller answers it in the app's place.
   * A body still arriving is held to it: past it, the server answers the 413 in
   * the app's place and the body fails with that error. Optional: a reader on an
   * env made elsewhere without it counts the bytes itself.
   */
  limit?(max: number): void;
  /** The whole body; rejects with an error of status 413 past `limit` bytes. */
  bytes(limit?: number): Promise<Buffer>;
  text(limit?: number): Promise<string>;
}

/** What an adapter may know of and do to the connection a request came on: core's addresses and more. */
export interface ConnectionView extends ConnectionInfo {
  /** Requests read on this connection so far, this one included. */
  readonly requests: number;
  /** Bytes read from and written to the socket so far (queued writes included). */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Ends the connection once the current response is complete; no further request is read. */
  shutdown(): void;
  /** Cuts the connection now. */
  destroy(err?: Error): void;
  /**
   * The socket itself (a tls.TLSSocket on TLS listeners). The node adapter gives it to apps as
   * req.socket, one object for all the connection's requests, as node:http does. Writing to it or
   * reading from it bypasses the engine: an app that does has taken the connection over.
   */
  readonly socket: DetachedSocket;
}

/**
 * Set (to true) on an app that judges request paths the server cannot decode (a
 * bad percent-encoding) itself, as node:http apps do (express.static answers 400
 * or falls through): such a request is routed on its raw path and reaches the
 * app with pathInfo and rawPathInfo undecoded. Other apps never see one; the
 * server answers 400.
 */
export const ACCEPTS_UNDECODED_PATHS = Symbol.for('portico.acceptsUndecodedPaths');

/** What the server's error-page renderer is told; `accept` comes from the request. */
export interface ErrorPageInfo {
  status: number;
  /** A short, safe explanation for the client (no stack, no server path). */
  message: string;
  /** A stable error code (ERR_...), shown in JSON pages. */
  code?: string;
  /** Extra response fields (Allow for 405, Retry-After for 429/503). */
  headers?: Record<string, string>;
}

/**
 * The server's extensions of the env, each optional so that an app also runs on
 * an env made elsewhere (a test, another server). Adapters read them to log
 * through the server's logger and answer errors with the server's error pages.
 */
export interface PorticoExtensions {
  /** The mount prefix that selected the app ("" at the root). */
  'portico.mount'?: string;
  /** Keeps graceful shutdown waiting for the promise (the Fetch `waitUntil`). */
  'portico.waitUntil'?: (promise: Promise<unknown>) => void;
  /** The connection the request came on. */
  'portico.connection'?: ConnectionView;
  /** The request asks for a protocol upgrade (Connection: upgrade with Upgrade). */
  'portico.upgrade'?: boolean;
  /** Aborted when the server begins a graceful shutdown: the cue for connections an app took
   *  over (WebSockets) to say goodbye; waitUntil() then holds the shutdown for their closing. */
  'portico.closing'?: AbortSignal;
  /** The server's error log. */
  'portico.logger'?: Logger;
  /** The server's error pages (the user's overrides, else the default), negotiated on the request's Accept
   *  field; adapters call it through errorAnswer() (adapters/error-page.ts). */
  'portico.errorPage'?: (info: ErrorPageInfo, accept: string | undefined) => AppResponse;
  /** Facts about this exchange that adapters add for the access log and metrics (present when either is on). */
  'portico.exchange'?: ExchangeFacts;
}

/**
 * Live counts an app may publish as its `stats()` (the gateway's metrics read it
 * at scrape time): the CGI adapter's programs running and waiting for a slot,
 * the FastCGI adapter's busy connections (php-fpm children at work) and waiting
 * requests.
 */
export interface AppStats {
  /** 'cgi', 'fastcgi': what the children are. */
  kind: string;
  /** Children (programs, busy upstream connections) at work now. */
  running: number;
  /** Requests waiting for one. */
  queued: number;
}

/** An app that publishes its live counts. */
export type AppWithStats = App & { stats?: () => AppStats };

/** What an adapter may note about one exchange for the access log (nginx's $upstream_* variables). */
export interface ExchangeFacts {
  /** Milliseconds from sending the request upstream to the upstream response's end (proxy, FastCGI). */
  upstreamResponseMs?: number;
  /** The upstream's address, "host:port" (proxy) or the FastCGI server's. */
  upstreamAddress?: string;
}

/** The socket an app takes over with `detach()`: node's own (a tls.TLSSocket on TLS listeners). */
export type DetachedSocket = Socket;

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
  readonly body: BodyStream;
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
  readonly extensions: PorticoExtensions & Record<string, unknown>;
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
  /** Takes the connection over (upgrade, CONNECT, nph CGI): the engine forgets it; `head` holds bytes read past the request. */
  detach(): { socket: DetachedSocket; head: Buffer };
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

/**
 * The key of an app's serving hook: a function the server calls when it starts
 * listening with the app mounted, returning the function it calls once it has
 * closed. It holds process-wide state the app needs only while it is served (the
 * fetch adapter's light Response, adapters/fetch/response-global.ts).
 */
export const SERVING_HOOK: unique symbol = Symbol.for('portico.servingHook');

/** What an app may carry under SERVING_HOOK. */
export type ServingHook = () => () => void;

export type { Chunk, OutgoingHeaders, BodySink, Logger };
