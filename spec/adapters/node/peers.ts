// Runs the same node:http handler twice, on node:http itself and on Portico
// through nodeApp, and compares what a client gets from each: the status, the
// header fields and the body bytes. Left out of the comparison: Date (the clock)
// and Connection / Keep-Alive, because persistence is Portico's decision, not
// the app's (node:http announces "Connection: keep-alive" and "Keep-Alive:
// timeout=5" on every HTTP/1.1 response; Portico, like RFC 9112 §9.3's default,
// says nothing unless it closes). Transfer-Encoding and Content-Length ARE
// compared: the adapter reproduces node:http's framing choices.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { request } from 'undici';
import { exchange, type ExchangeOptions } from '../../helpers/raw-client.js';
import type { RawResponse } from '../../helpers/response-reader.js';
import { startServer } from '../../helpers/server.js';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import type { App } from '../../../gateway/index.js';

export const IGNORED_FIELDS: ReadonlySet<string> = new Set(['date', 'connection', 'keep-alive']);

export interface Snapshot {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body as latin1 text, byte for byte. */
  body: string;
}

export interface Pair {
  /** Base URLs; a request path is appended to each. */
  node: string;
  portico: string;
  /** Error-log lines of the Portico server. */
  errors: string[];
}

export interface PairOptions {
  /** Portico mount prefix (default: the root). */
  mount?: string;
  /** The node:http side's handler when it differs (e.g. the app mounted under the same prefix by Express). */
  nodeHandler?: NodeHandler;
  /** The Portico side's app when it differs from nodeApp(handler). */
  app?: App;
}

export const startNodeServer = async (t: ExecutionContext, handler: NodeHandler): Promise<http.Server> => {
  const server = http.createServer(handler as http.RequestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return server;
};

export const startPair = async (t: ExecutionContext, handler: NodeHandler, options: PairOptions = {}): Promise<Pair> => {
  const mount = options.mount ?? '';
  const node = await startNodeServer(t, options.nodeHandler ?? handler);
  const portico = await startServer(t, { mounts: { [mount]: options.app ?? nodeApp(handler) } });
  const port = (node.address() as AddressInfo).port;
  return { node: `http://127.0.0.1:${port}${mount}`, portico: portico.url + mount, errors: portico.errors };
};

export interface Req {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export const snapshot = async (url: string, req: Req = {}): Promise<Snapshot> => {
  const res = await request(url, { method: (req.method ?? 'GET') as 'GET', headers: req.headers, body: req.body });
  const body = Buffer.from(await res.body.arrayBuffer()).toString('latin1');
  const headers: Record<string, string | string[]> = {};
  for (const name of Object.keys(res.headers).sort()) {
    if (!IGNORED_FIELDS.has(name)) headers[name] = res.headers[name]!;
  }
  return { status: res.statusCode, headers, body };
};

/** Sends `req` to both servers; asserts equal answers and returns Portico's. */
export const assertSame = async (t: ExecutionContext, pair: Pair, path: string, req: Req = {}): Promise<Snapshot> => {
  const expected = await snapshot(pair.node + path, req);
  const actual = await snapshot(pair.portico + path, req);
  t.deepEqual(actual, expected, `${req.method ?? 'GET'} ${path}`);
  return actual;
};

export const portOf = (url: string): number => Number(new URL(url).port);

/** A raw response without the fields peers.ts leaves out, fields sorted. */
export const normalize = (r: RawResponse | undefined) =>
  r && {
    status: r.status,
    headers: r.headers.filter(([n]) => !IGNORED_FIELDS.has(n)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    body: r.body.toString('latin1'),
    framing: r.framing,
    trailers: r.trailers,
  };

/** The same raw request to node:http and to Portico; equal responses, framing included. */
export const rawSame = async (t: ExecutionContext, handler: NodeHandler, raw: string, options: ExchangeOptions = {}) => {
  const pair = await startPair(t, handler);
  const expected = await exchange(portOf(pair.node), raw, options);
  const actual = await exchange(portOf(pair.portico), raw, options);
  t.true(actual.responses.length > 0);
  t.deepEqual(actual.responses.map(normalize), expected.responses.map(normalize));
  t.deepEqual(pair.errors, []);
  return actual.responses;
};
