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
//   must-close  sendMs after our FIN for a client that neither reads nor closes
//   any state   sendMs without progress writing to a client that does not read

import type { ConnectionState } from './connection-state.js';
import type { Timeouts } from './limits.js';

export type Deadline = 'send' | 'keep-alive' | 'headers' | 'body' | 'request' | 'drain' | 'close';

export class ConnectionDeadlines {
  /** When the connection last became idle. */
  idleSince: number;
  /** When the current head began to arrive. */
  headStartedAt = 0;
  /** When the last byte of the current body arrived (or the exchange began). */
  lastBodyAt = 0;
  /** When the machine decided to close (our FIN). */
  closingSince = 0;
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
        return now - this.closingSince > t.sendMs ? 'close' : null;
      default:
        return null;
    }
  }
}
