// A scripted raw connection for tests that talk back and forth (100-continue,
// slowloris, half-close): send bytes, wait until what arrived satisfies a
// predicate, learn when the server closed. Every wait is bounded.

import net from 'node:net';
import { type RawResponse, parseResponses } from './response-reader.js';

export interface Session {
  socket: net.Socket;
  /** Everything received so far. */
  readonly received: Buffer;
  readonly closed: boolean;
  send(data: string | Buffer): Promise<void>;
  /** Resolves once `predicate(received)` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (received: Buffer) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Resolves once the server closed (or reset) the connection. */
  waitClosed(timeoutMs?: number): Promise<void>;
  /** The responses received so far (close-delimited ones only once closed). */
  responses(headRequests?: ReadonlySet<number>): RawResponse[];
  end(): void;
  destroy(): void;
}

export const openSession = (port: number, host = '127.0.0.1'): Promise<Session> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let received = Buffer.alloc(0);
    let closed = false;
    const listeners = new Set<() => void>();
    const notify = (): void => {
      for (const l of [...listeners]) l();
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      notify();
    });
    const onClose = (): void => {
      closed = true;
      notify();
    };
    socket.on('end', onClose);
    socket.on('close', onClose);
    socket.on('error', onClose);
    const waitUntil = (ok: () => boolean, timeoutMs: number, what: string): Promise<void> =>
      new Promise((res, rej) => {
        if (ok()) return res();
        // The bound ends one loop turn after its timer: libuv runs timers before it
        // polls sockets, so after a stall of the process the timer would fire ahead
        // of bytes or a FIN that had already arrived.
        const timer = setTimeout(() => {
          setImmediate(() => {
            if (!listeners.has(check)) return;
            listeners.delete(check);
            rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
          });
        }, timeoutMs);
        const check = (): void => {
          if (!ok()) return;
          clearTimeout(timer);
          listeners.delete(check);
          res();
        };
        listeners.add(check);
      });
    const session: Session = {
      socket,
      get received() {
        return received;
      },
      get closed() {
        return closed;
      },
      send: (data) =>
        new Promise((res) => {
          if (socket.destroyed || socket.writableEnded) return res();
          socket.write(data, () => res());
        }),
      waitFor: (predicate, timeoutMs = 5000, what = 'data') => waitUntil(() => predicate(received), timeoutMs, what),
      waitClosed: (timeoutMs = 5000) => waitUntil(() => closed, timeoutMs, 'the close'),
      responses: (headRequests) => parseResponses(received, closed, headRequests).responses,
      end: () => socket.end(),
      destroy: () => socket.destroy(),
    };
    socket.once('connect', () => resolve(session));
    socket.once('error', reject);
  });

/** A predicate: the received bytes contain `text`. */
export const contains = (text: string) => (received: Buffer): boolean => received.includes(text);

/**
 * A predicate: at least `n` final responses are complete. It parses only the bytes
 * after the responses it already counted (the received bytes only grow): parsing
 * everything again on each arrival made a wait for thousands of pipelined
 * responses quadratic, a minute of CPU on a loaded machine.
 */
export const finalResponses = (n: number) => {
  let parsed = 0;
  let count = 0;
  return (received: Buffer): boolean => {
    const { responses, rest } = parseResponses(received.subarray(parsed), false);
    count += responses.filter((r) => r.status >= 200).length;
    parsed = received.length - rest.length;
    return count >= n;
  };
};

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
