// The clocks of one server connection and the rule for which of its timeouts
// (limits.ts's Timeouts) has passed, per state: without I/O or timers, as the
// machine is. ServerConnection (server-connection.ts) stamps the moments below as
// they happen and asks expired(now) on each tick of the shared sweep timer;
// what a passed deadline does (a 408, the close, a cut) is the machine's.
//
//   idle        keepAliveMs since the last exchange ended (or the connection opened)
//   head        headersMs since the first byte of the head (slowloris)
//   body        bodyMs without a byte of a body the app waits for; requestMs
//               (when set) since the head began, however steadily it trickles
//   draining    bodyMs without a byte of the rest being discarded
//   must-close  sendMs after our FIN for a client that neither reads nor closes;
//               once shutdown() began, SHUTDOWN_LINGER_MS after all was handed to the OS
//   any state   sendMs without progress writing to a client that does not read

import type { ConnectionState } from './connection-state.js';
import type { Timeouts } from './limits.js';

export type Deadline = 'send' | 'keep-alive' | 'headers' | 'body' | 'request' | 'drain' | 'close';

/**
 * How long a lingering close lasts during shutdown() once the last response was
 * handed to the OS, instead of sendMs: long enough for a client to read it and
 * see the FIN, short enough that a client keeping its side open does not hold
 * the server's close (Apache's event MPM lingers 2 s, SECONDS_TO_LINGER).
 */
export const SHUTDOWN_LINGER_MS = 2000;

export class ConnectionDeadlines {
  /** When the connection last became idle. */
  idleSince: number;
  /** When the current head began to arrive. */
  headStartedAt = 0;
  /** When the last byte of the current body arrived (or the exchange began). */
  lastBodyAt = 0;
  /** When the machine decided to close (our FIN). */
  closingSince = 0;
  /** When the lingering close began, or its bytes were last seen unsent. */
  lingerSince = 0;
  /** shutdown() began: the lingering close lasts SHUTDOWN_LINGER_MS from lingerSince. */
  shuttingDown = false;
  /** When a write was last refused (the client stopped reading), 0 while writes go through. */
  writeStalledSince = 0;

  constructor(
    private readonly timeouts: Timeouts,
    now: number,
  ) {
    this.idleSince = now;
  }

  /** The deadline passed at `now` in `state`, or null; `bodyWanted`: the app waits for more of the body. */
  expired(state: ConnectionState, now: number, bodyWanted: boolean): Deadline | null {
    const t = this.timeouts;
    if (this.writeStalledSince !== 0 && now - this.writeStalledSince > t.sendMs) return 'send';
    switch (state) {
      case 'idle':
        return now - this.idleSince > t.keepAliveMs ? 'keep-alive' : null;
      case 'head':
        return now - this.headStartedAt > t.headersMs ? 'headers' : null;
      case 'body':
        if (bodyWanted && now - this.lastBodyAt > t.bodyMs) return 'body';
        return t.requestMs > 0 && now - this.headStartedAt > t.requestMs ? 'request' : null;
      case 'draining':
        return now - this.lastBodyAt > t.bodyMs ? 'drain' : null;
      case 'must-close':
        if (this.shuttingDown && now - this.lingerSince > SHUTDOWN_LINGER_MS) return 'close';
        return now - this.closingSince > t.sendMs ? 'close' : null;
      default:
        return null;
    }
  }
}
