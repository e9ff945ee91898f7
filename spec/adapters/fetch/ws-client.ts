// A real WebSocket client for the fetch adapter's WebSocket specs: the `ws`
// package's, with its messages queued so a test awaits them one at a time, and
// its close (code, reason) and handshake answer kept. Every wait is bounded.

import { WebSocket, type ClientOptions } from 'ws';
import type { IncomingMessage } from 'node:http';

export interface Received {
  data: Buffer;
  isBinary: boolean;
  text: string;
}

export interface Client {
  ws: WebSocket;
  /** The 101 answer's fields. */
  headers: IncomingMessage['headers'];
  /** The next message (waits up to 5 s). */
  next(): Promise<Received>;
  /** Resolves when the connection closed, with the close code and reason the client saw. */
  closed: Promise<{ code: number; reason: string }>;
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms).unref())]);

/** Opens a WebSocket; rejects with the HTTP status when the server answers without upgrading. */
export const connect = (url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<Client> => {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(url, protocols ?? [], rest);
  const queue: Received[] = [];
  const waiting: Array<(m: Received) => void> = [];
  ws.on('message', (data, isBinary) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const m = { data: buf, isBinary, text: buf.toString('utf8') };
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  let headers: IncomingMessage['headers'] = {};
  ws.on('upgrade', (res) => (headers = res.headers));
  const opened = new Promise<Client>((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        headers,
        closed,
        next: () => within(queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<Received>((r) => waiting.push(r)), 5000, 'message'),
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
  return within(opened, 5000, 'open');
};

/** The ws: URL of a path on a test server. */
export const wsUrl = (url: string, path: string): string => url.replace(/^http/, 'ws') + path;
