// The WebSocket side of a Fetch app: the `ws` package's server in noServer mode,
// loaded on the first upgrade (servers that never see one never load it). An
// accepted upgrade takes the connection from the engine with responder.detach()
// and hands it to ws's handleUpgrade, which writes the 101 and from then on owns
// the framing (RFC 6455). Two duties stay Portico's: graceful shutdown, where
// each open WebSocket is closed with 1001 Going Away (RFC 6455 §7.4.1, what
// browsers expect of a server going down) and the shutdown waits for the close
// handshake within its deadline; and the idle timeout of Deno and Bun: a peer
// silent for a whole period gets a ping, and one silent for another is cut.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Env, Responder } from '../env.js';
import { acceptUpgrade } from '../node/upgrade.js';

type WsModule = typeof import('ws');

let wsModule: Promise<WsModule> | null = null;

/** The ws package, imported once, on the first upgrade. */
export const loadWs = (): Promise<WsModule> => (wsModule ??= import('ws'));

/** What the 101 carries beyond ws's own fields. */
export interface HandshakeChoice {
  /** The subprotocol to answer with; undefined: the first the client offers (ws's choice). */
  protocol?: string;
  /** Extra fields, as [name, value] pairs (Set-Cookie...). */
  headers: Array<[string, string]>;
}

export interface HostOptions {
  /** Largest message accepted, in bytes (ws's maxPayload): larger ones close the connection with 1009. */
  maxPayload: number;
  /** permessage-deflate (RFC 7692) when the client offers it. */
  perMessageDeflate: boolean;
}

/** Fields of the 101 that are ws's to write, or that have no place in it. */
const RESERVED = new Set(['connection', 'upgrade', 'sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', 'content-length', 'transfer-encoding']);

/** One per fetchApp: its ws server, built on the first upgrade. */
export class WebSocketHost {
  private server: WebSocketServer | null = null;
  private readonly choices = new WeakMap<IncomingMessage, HandshakeChoice>();

  constructor(private readonly options: HostOptions) {}

  /**
   * Detaches the connection and completes the handshake; resolves with the open
   * ws WebSocket and its socket, or null when ws refused the request (it answered it itself).
   */
  async accept(env: Env, res: Responder, choice: HandshakeChoice): Promise<{ ws: WebSocket; socket: Socket } | null> {
    const server = this.server ?? (this.server = this.createServer(await loadWs()));
    return new Promise((resolve) => {
      acceptUpgrade(env, res, (req, socket, head) => {
        this.choices.set(req, choice);
        // ws answers a bad handshake itself (400, 405...) and never calls back: close() resolves null.
        socket.once('close', () => resolve(null));
        server.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket: socket as Socket }));
      });
    });
  }

  private createServer(ws: WsModule): WebSocketServer {
    const server = new ws.WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.options.maxPayload,
      perMessageDeflate: this.options.perMessageDeflate,
      handleProtocols: (offered, req) => {
        const wanted = this.choices.get(req)?.protocol;
        if (wanted === undefined) return offered.values().next().value ?? false;
        return offered.has(wanted) ? wanted : false;
      },
    });
    server.on('headers', (lines: string[], req: IncomingMessage) => {
      for (const [name, value] of this.choices.get(req)?.headers ?? []) {
        if (!RESERVED.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
      }
    });
    return server;
  }
}

/** The extra fields of the 101 from a Headers (each Set-Cookie on its own line). */
export const headerPairs = (headers: Headers | undefined): Array<[string, string]> => (headers === undefined ? [] : [...headers]);

/**
 * Ties an open WebSocket to the server's graceful shutdown: when it begins, the
 * WebSocket is closed with 1001 and the shutdown waits (within its deadline) for
 * the connection to end. Also covers a shutdown that began during the handshake.
 */
export const closeOnShutdown = (env: Env, ws: WebSocket, socket: Duplex): void => {
  const closing = env.extensions['portico.closing'];
  if (closing === undefined) return;
  const waitUntil = env.extensions['portico.waitUntil'];
  const goAway = (): void => {
    if (socket.destroyed) return;
    waitUntil?.(new Promise((resolve) => socket.once('close', resolve)));
    ws.close(1001, 'Server shutting down');
  };
  if (closing.aborted) return goAway();
  closing.addEventListener('abort', goAway, { once: true });
  socket.once('close', () => closing.removeEventListener('abort', goAway));
};

/**
 * Deno's and Bun's idleTimeout, in seconds (0: none): after a period in which
 * nothing arrived, a ping; after a second one, the connection is cut (the close
 * event reports 1006). Any frame from the peer, a pong included, counts.
 */
export const keepAlive = (ws: WebSocket, seconds: number, sendPings = true): void => {
  if (!(seconds > 0)) return;
  let heard = false;
  let pinged = false;
  const heardFrom = (): void => {
    heard = true;
  };
  ws.on('message', heardFrom);
  ws.on('ping', heardFrom);
  ws.on('pong', heardFrom);
  const timer = setInterval(() => {
    if (heard) {
      heard = pinged = false;
      return;
    }
    if (sendPings && !pinged) {
      pinged = true;
      ws.ping();
      return;
    }
    ws.terminate();
  }, seconds * 1000);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
};

/**
 * A copy of bytes to send: send() takes one in WHATWG's API and in Bun's, and ws
 * would otherwise queue the caller's own memory behind a slow reader, to be
 * changed under it.
 */
export const copyOf = (data: ArrayBufferLike | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : new Uint8Array(data.slice(0));

/** The ws WebSocket a listener attached to a socket (ws marks the socket it owns with a symbol). */
export const webSocketOf = (socket: Duplex): WebSocket | null => {
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description !== 'websocket') continue;
    const ws = (socket as unknown as Record<symbol, unknown>)[key] as WebSocket | undefined;
    if (ws !== undefined && typeof ws.close === 'function') return ws;
  }
  return null;
};
