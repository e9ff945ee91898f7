// Shared by the fetch adapter's specs: a real Portico with a Fetch handler
// mounted at /f, and a raw one-request exchange against it.

import type { ExecutionContext } from 'ava';
import { fetchApp, type FetchAppOptions, type FetchHandler, type FetchModule } from '../../../adapters/fetch/index.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { exchange, type ExchangeOptions, type ExchangeResult } from '../../helpers/raw-client.js';

let defaults: FetchAppOptions = {};

/** Options every serveFetch() of this test process adds (a spec file reruns others with them). */
export const setFetchDefaults = (options: FetchAppOptions): void => {
  defaults = options;
};

export const serveFetch = (t: ExecutionContext, handler: FetchHandler | FetchModule, options?: FetchAppOptions): Promise<TestServer> =>
  startServer(t, { mounts: { '/f': fetchApp(handler, { ...defaults, ...options }) } });

/** Sends `METHOD target` with the given extra head lines and body over a raw socket. */
export const raw = (
  port: number,
  method: string,
  target: string,
  { version = '1.1', lines = [] as string[], body = '', ...options }: { version?: string; lines?: string[]; body?: string } & ExchangeOptions = {},
): Promise<ExchangeResult> => {
  const head = [`${method} ${target} HTTP/${version}`, ...(version === '1.1' ? ['Host: example.test'] : []), ...lines];
  return exchange(port, head.join('\r\n') + '\r\n\r\n' + body, { headRequests: method === 'HEAD' ? new Set([0]) : undefined, ...options });
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when `condition()` holds (polled every 10 ms), or rejects after `ms`. */
export const eventually = async (condition: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
};
