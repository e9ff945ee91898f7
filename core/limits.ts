// The engine's limits and timeouts, with defaults close to what nginx and
// node:http ship. Every one can be overridden per server; the body limit also per
// request (the gateway lowers it per mount before the body is read).

export interface Limits {
  /** Longest request line, in bytes (414 past it). */
  maxRequestLineBytes: number;
  /** Largest header section, request line included, in bytes (431 past it). */
  maxHeaderBytes: number;
  /** Most header field lines (431 past it). */
  maxHeaderCount: number;
  /** Largest request body, in bytes (413 past it). */
  maxBodyBytes: number;
  /** Longest chunk extension of one chunk, in bytes (400 past it). */
  maxChunkExtensionBytes: number;
  /** Largest trailer section, in bytes (431 past it). */
  maxTrailerBytes: number;
  /** Unread request body the engine discards after a response to keep the connection (else it closes). */
  maxDrainBytes: number;
  /** Bytes of pipelined requests read ahead of the one being served before reading pauses. */
  maxReadAheadBytes: number;
  /** Request body bytes buffered for an app that does not read before reading pauses. */
  bodyHighWaterMark: number;
  /** Unsent response bytes an app may pile up while ignoring backpressure before the connection is cut. */
  maxUnsentBytes: number;
  /** Requests served on one connection before it closes (nginx's keepalive_requests,
   *  node:http's maxRequestsPerSocket); the last one says Connection: close. 0: no limit. */
  maxRequestsPerConnection: number;
}

export interface Timeouts {
  /** Milliseconds for a complete request head once its first byte arrived (408 then close). */
  headersMs: number;
  /** Milliseconds an idle keep-alive connection is kept. */
  keepAliveMs: number;
  /** Milliseconds without a byte of a request body the app waits for (408 or abort). */
  bodyMs: number;
  /** Milliseconds without progress writing a response to a client that does not read. */
  sendMs: number;
  /**
   * Milliseconds for the whole request, head and body, from its first byte, however
   * steadily it arrives (408 then close); 0: no limit beyond headersMs and bodyMs.
   * portico/node sets it from node:http's requestTimeout.
   */
  requestMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024 * 1024,
  maxChunkExtensionBytes: 1024,
  maxTrailerBytes: 8 * 1024,
  maxDrainBytes: 256 * 1024,
  maxReadAheadBytes: 64 * 1024,
  bodyHighWaterMark: 64 * 1024,
  maxUnsentBytes: 64 * 1024 * 1024,
  maxRequestsPerConnection: 0,
};

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = {
  headersMs: 30_000,
  keepAliveMs: 5_000,
  bodyMs: 30_000,
  sendMs: 60_000,
  requestMs: 0,
};
