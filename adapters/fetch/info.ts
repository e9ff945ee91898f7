// The second argument a Fetch handler receives (Deno.serve passes a similar
// `info`): who is on the other end of the connection, where it arrived, the
// mount prefix (and whether request.url leaves it out), and waitUntil(promise), whose promises graceful shutdown awaits.
// upgrade() and upgradeWebSocket() take WebSocket upgrades (upgrade-exchange.ts);
// on other requests they are shared functions that refuse, so they cost nothing per request.
// The same object is passed third, so Workers-style code (and Hono's
// c.executionCtx) finds ctx.waitUntil where it looks for it.

import type { Env } from '../env.js';
import type { UpgradedWebSocket } from './web-socket.js';

export interface FetchInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The connection is TLS. */
  readonly secure: boolean;
  /** The mount prefix that selected the app ("" at the root), also sent as X-Forwarded-Prefix when stripped. */
  readonly scriptName: string;
  /** The prefix is left out of request.url (fetchApp's stripPrefix, the default). */
  readonly prefixStripped: boolean;
  /** Keeps graceful shutdown waiting for `promise` (rejections are ignored). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** Workers compatibility: there is no origin to fall back to, so this does nothing. */
  readonly passThroughOnException: () => void;
  /**
   * Bun's server.upgrade(): takes the connection as a WebSocket served by the
   * app's `websocket` handlers, `data` becoming ws.data. False when the request
   * is not a WebSocket handshake. The handler's answer is then ignored.
   */
  readonly upgrade: (request: Request, options?: UpgradeOptions) => boolean;
  /**
   * Deno.upgradeWebSocket(): a WHATWG-style WebSocket and the response to answer
   * with; it opens once the handler returns that response. Throws a TypeError
   * when the request is not a WebSocket handshake.
   */
  readonly upgradeWebSocket: (request: Request, options?: WebSocketUpgradeOptions) => WebSocketUpgrade;
  /** Bun's server.publish(): sends to every WebSocket of this app subscribed to `topic`; the bytes of one message, or 0. */
  readonly publish: (topic: string, data: string | ArrayBufferLike | ArrayBufferView, compress?: boolean) => number;
}

export interface UpgradeOptions {
  /** Becomes ws.data in the websocket handlers. */
  data?: unknown;
  /** Extra fields of the 101 response (Set-Cookie...); Sec-WebSocket-Protocol picks the subprotocol. */
  headers?: Headers | Record<string, string> | Array<[string, string]>;
}

export interface WebSocketUpgradeOptions {
  /** The subprotocol to answer with, one the client offered (default: the first it offered). */
  protocol?: string;
  /** Seconds of silence before a ping, and as many again before the connection is cut; 0: never. Default 120. */
  idleTimeout?: number;
}

export interface WebSocketUpgrade {
  socket: UpgradedWebSocket;
  response: Response;
}

const ignore = (): void => {};

// Requests that do not ask for an upgrade: Bun answers false, Deno throws.
const noUpgrade = (): boolean => false;
const noSubscribers = (): number => 0;
const notUpgradable = (): never => {
  throw new TypeError("Invalid Header: 'upgrade' header must contain 'websocket'");
};

// Outside a Portico server (an env built by hand) there is no shutdown to delay.
const detachedWaitUntil = (promise: Promise<unknown>): void => {
  Promise.resolve(promise).catch(ignore);
};

export const fetchInfo = (env: Env, stripped: boolean, publish: FetchInfo['publish'] = noSubscribers): FetchInfo => ({
  remoteAddress: env.remoteAddress,
  remotePort: env.remotePort,
  localAddress: env.localAddress,
  localPort: env.localPort,
  secure: env.secure,
  scriptName: env.scriptName,
  prefixStripped: stripped && env.scriptName !== '',
  waitUntil: (env.extensions['portico.waitUntil'] as FetchInfo['waitUntil'] | undefined) ?? detachedWaitUntil,
  passThroughOnException: ignore,
  upgrade: noUpgrade,
  upgradeWebSocket: notUpgradable,
  publish,
});
