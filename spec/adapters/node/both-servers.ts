// Runs one test body on two servers: node:http's createServer, the reference
// that proves the test itself right, and portico/node's, the one under test.
// Libraries (Fastify, ws, socket.io, supertest...) duck-type the server they are
// given, so the same body must pass on both. Where portico/node still has a
// known gap, the Portico run is ava's test.failing with the gap in its title:
// CI stays green, and once the gap closes ava reports "passed but expected to
// fail", the signal to drop the gap. Each run has its own time limit, so a run
// that hangs fails alone instead of stalling the whole file.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { createHttpsServer as porticoCreateHttpsServer, createServer as porticoCreateServer } from '../../../gateway/node-entry.js';

export type ServerName = 'node:http' | 'portico/node';

export interface Side {
  name: ServerName;
  /** http.createServer's signature; Portico's logs its errors into `errors`. */
  createServer(handler?: http.RequestListener): http.Server;
  /** https.createServer's signature. */
  createHttpsServer(options: https.ServerOptions, handler?: http.RequestListener): https.Server;
  /** Portico's error-log lines (always empty on node:http). */
  errors: string[];
}

export interface BothOptions {
  /** A gap portico/node has not closed yet: its run is expected to fail. */
  porticoGap?: string;
  /** Each run's time limit (default 20 s; the machine may be loaded). */
  timeoutMs?: number;
}

const errorReplacer = (_key: string, value: unknown): unknown =>
  value instanceof Error ? `${value.name}: ${value.message}` : value;

export const side = (name: ServerName): Side => {
  const errors: string[] = [];
  if (name === 'node:http') {
    return { name, createServer: (handler) => http.createServer(handler), createHttpsServer: (options, handler) => https.createServer(options, handler), errors };
  }
  const logger = { error: (message: string, fields?: unknown) => errors.push(`${message} ${JSON.stringify(fields, errorReplacer)}`) };
  return {
    name,
    createServer: (handler) => porticoCreateServer({ portico: { logger } }, handler) as unknown as http.Server,
    createHttpsServer: (options, handler) => porticoCreateHttpsServer({ ...options, portico: { logger } }, handler) as unknown as https.Server,
    errors,
  };
};

/** `title` as two tests, one per server; `body` gets the side it runs on. */
export const onBothServers = (title: string, body: (t: ExecutionContext, side: Side) => Promise<void>, options: BothOptions = {}): void => {
  for (const name of ['node:http', 'portico/node'] as const) {
    const gap = name === 'portico/node' ? options.porticoGap : undefined;
    const run = async (t: ExecutionContext): Promise<void> => {
      t.timeout(options.timeoutMs ?? 20_000);
      await body(t, side(name));
    };
    if (gap === undefined) test(`${name}: ${title}`, run);
    else test.failing(`${name}: ${title} — known gap: ${gap}`, run);
  }
};

/** listen(0, '127.0.0.1'); resolves to the port. Closes the server, connections and all, when the test ends. */
export const listen = async (t: ExecutionContext, server: http.Server): Promise<number> => {
  closeAtTeardown(t, server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
};

/** At the test's end: close the server if it still listens or binds, dropping every connection (a failed run may leave some). */
export const closeAtTeardown = (t: ExecutionContext, server: http.Server): void => {
  t.teardown(async () => {
    // Not `if (server.listening)`: a server still binding must be closed too.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  });
};

/** Resolves with the emitter's first `event` arguments; rejects after `ms`. */
export const once = <T extends unknown[] = unknown[]>(
  // Any emitter: node's, ws's, socket.io-client's (which is not node's).
  emitter: { once(event: string, cb: (...args: any[]) => void): unknown },
  event: string,
  ms = 10_000,
): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });

export interface HeldRequest {
  /** Resolves once a request is being held. */
  started: Promise<void>;
  /** Lets the held request go on. */
  release(): void;
  /** Called by the handler: marks the request started and waits for release(). */
  hold(): Promise<void>;
}

/** A gate for "a request in flight" cases: the handler awaits hold(), the test awaits started, then calls release(). */
export const heldRequest = (): HeldRequest => {
  let markStarted!: () => void;
  let release!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    started,
    release: () => release(),
    hold: () => {
      markStarted();
      return released;
    },
  };
};
