// The named states of one server connection (server-connection.ts and its base,
// connection-endings.ts). One exchange is in flight at a time; these say where it
// is, so no decision has to be read off a mix of flags. The transitions, with
// what causes them:
//
//   idle ──first bytes──▶ head ──head, no body──────────────▶ responding
//    ▲                     │                                   ▲    │
//    │                     └──head, with a body──▶ body ──end──┘    │
//    │                                              │               │
//    │                          response done first,│               │
//    │                          small rest          ▼               │
//    ├──────────────── rest arrived ────────── draining             │
//    └───────────────────────── response done, keep-alive ──────────┘
//
//   → must-close (from any of them): the last response is done (Connection:
//     close, HTTP/1.0, shutdown(), an error page, a rest too large to drain, the
//     last request maxRequestsPerConnection allows; framing.ts decides), the
//     keep-alive timeout, or the client's FIN (in responding: the exchange is
//     aborted with ERR_CLIENT_GONE unless allowHalfOpen; in body: a 400). The
//     driver sends the FIN; bytes that still arrive are dropped. After a response
//     the close lingers until the client closes (RFC 9112 §9.6) or sendMs passes,
//     SHUTDOWN_LINGER_MS once shutdown() began; an idle connection with nothing
//     unsent closes as soon as its FIN is written.
//   → closed (from any state): the transport closed (reset, after our FIN) or was
//     cut (a response under way when the FIN came, a send timeout, an abort).
//   → switched (from body or responding): the app took the transport over.

export type ConnectionState =
  /** Waiting for a request; the keep-alive timeout runs. */
  | 'idle'
  /** Part of a request head arrived; the headers timeout runs. */
  | 'head'
  /** The app is being served and the request body is still arriving. */
  | 'body'
  /** The request is complete; waiting for the app's response to complete. */
  | 'responding'
  /** The response is complete; the unread rest of the request body is discarded. */
  | 'draining'
  /** No further request is read: the connection ends after what was written. */
  | 'must-close'
  /** The transport is gone. */
  | 'closed'
  /** The app took the transport over. */
  | 'switched';

/** The states in which an exchange is in flight (busy). */
export const inExchange = (state: ConnectionState): boolean =>
  state === 'body' || state === 'responding' || state === 'draining';
