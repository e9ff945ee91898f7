// The named states of one server connection (server-connection.ts). One exchange
// is in flight at a time; these say where it is, so no decision has to be read
// off a mix of flags. The transitions, with what causes them:
//
//            bytes of a head                 head parsed, body follows
//   ┌──────┐ ─────────────▶ ┌──────┐ ─────────────────────────────▶ ┌──────┐
//   │ idle │                │ head │                                │ body │
//   └──────┘ ◀─────────────  └──────┘ ──┐ head parsed, no body      └──────┘
//     ▲  ▲   (leading CRLF only)         │                          │   │ response done,
//     │  │                               ▼        body ended        │   │ rest small enough
//     │  │ response done,          ┌────────────┐ ◀─────────────────┘   ▼
//     │  └──── keep-alive ──────── │ responding │              ┌──────────┐
//     └───────── body ended ────── │            │              │ draining │
//               (after draining)   └────────────┘              └──────────┘
//
//   Any of the above → must-close: the last response is done (Connection: close,
//   HTTP/1.0, shutdown(), a protocol error page, a rest too large to drain), an
//   idle timeout, or the client's FIN while nothing is pending. The driver sends
//   the FIN; bytes that still arrive are dropped.
//   Any state → closed: the transport closed (client reset or left, a timeout or
//   the app cut it). A pending exchange is failed with the reason.
//   responding/body → switched: the app took the connection over (101, CONNECT).

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
