// The second argument a Fetch handler receives (Deno.serve passes a similar
// `info`): who is on the other end of the connection, where it arrived, the
// mount prefix (and whether request.url leaves it out), and waitUntil(promise), whose promises graceful shutdown awaits.
// The same object is passed third, so Workers-style code (and Hono's
// c.executionCtx) finds ctx.waitUntil where it looks for it.

import type { Env } from '../env.js';

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
}

const ignore = (): void => {};

// Outside a Portico server (an env built by hand) there is no shutdown to delay.
const detachedWaitUntil = (promise: Promise<unknown>): void => {
  Promise.resolve(promise).catch(ignore);
};

export const fetchInfo = (env: Env, stripped: boolean): FetchInfo => ({
  remoteAddress: env.remoteAddress,
  remotePort: env.remotePort,
  localAddress: env.localAddress,
  localPort: env.localPort,
  secure: env.secure,
  scriptName: env.scriptName,
  prefixStripped: stripped && env.scriptName !== '',
  waitUntil: (env.extensions['portico.waitUntil'] as FetchInfo['waitUntil'] | undefined) ?? detachedWaitUntil,
  passThroughOnException: ignore,
});
