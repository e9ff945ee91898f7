// Bun's WebSocket convention on Portico: the handler calls `server.upgrade(req,
// { data, headers })` (here `info.upgrade`, info being the second argument, as
// Bun's server is) and one set of `websocket` handlers — open, message, close,
// drain, ping, pong — serves every connection, each seen as a ServerWebSocket
// carrying the `data` given to upgrade(). Underneath is the `ws` package.
//
// Backpressure as Bun reports it: send() returns the bytes written, -1 when they
// were queued behind a slow reader (the socket's buffer passed its high-water
// mark; `drain` is called once it empties), or 0 when the message was dropped
// (closed, or past `backpressureLimit`, which bounds the memory a reader that
// never reads can hold, and with closeOnBackpressureLimit also closes it).
// Topics (subscribe/publish) are per fetchApp, as they are per Bun server.

import type { Socket } from 'node:net';
import type { WebSocket as WsSocket } from 'ws';
import { copyOf } from './websocket-host.js';
import type { Logger } from '../env.js';

export interface WebSocketHandler<T = unknown> {
  open?(ws: ServerWebSocket<T>): unknown;
  /** Text as a string; binary as a Buffer, or as ws.binaryType asks. */
  message(ws: ServerWebSocket<T>, message: string | Buffer | ArrayBuffer | Uint8Array): unknown;
  close?(ws: ServerWebSocket<T>, code: number, reason: string): unknown;
  /** The socket can take more after send() returned -1. */
  drain?(ws: ServerWebSocket<T>): unknown;
  ping?(ws: ServerWebSocket<T>, data: Buffer): unknown;
  pong?(ws: ServerWebSocket<T>, data: Buffer): unknown;
  /** Largest message accepted, in bytes; larger ones close the connection with 1009. Default 16 MiB. */
  maxPayloadLength?: number;
  /** Bytes that may wait in the send buffer; send() past it drops the message (returns 0). Default 16 MiB. */
  backpressureLimit?: number;
  /** Close (1008) instead of dropping, past backpressureLimit. Default false. */
  closeOnBackpressureLimit?: boolean;
  /** Seconds of silence before a ping, and as many again before the connection is cut; 0: never. Default 120. */
  idleTimeout?: number;
  /** Ping a silent peer before cutting it. Default true. */
  sendPings?: boolean;
  /** permessage-deflate when the client offers it. Default false. */
  perMessageDeflate?: boolean;
  /** ws.publish() also sends to the publisher when it is subscribed. Default false. */
  publishToSelf?: boolean;
}

export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

export type SendData = string | ArrayBufferLike | ArrayBufferView;

const byteLength = (data: SendData): number => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

/** Subscribers by topic, for one fetchApp. */
export type Topics = Map<string, Set<ServerWebSocket<unknown>>>;

/** Sends to every subscriber of `topic` but `except`: the bytes of one message, or 0 when none took it (Bun's answer). */
export const publishTo = (topics: Topics, topic: string, data: SendData, compress: boolean | undefined, except: ServerWebSocket<unknown> | null): number => {
  let sent = 0;
  for (const peer of topics.get(topic) ?? []) {
    if (peer !== except) sent = Math.max(sent, peer.send(data, compress));
  }
  return sent;
};

export class ServerWebSocket<T = unknown> {
  /** How binary messages reach `message`: Buffer (Bun's default), ArrayBuffer or Uint8Array. */
  binaryType: 'nodebuffer' | 'arraybuffer' | 'uint8array' = 'nodebuffer';
  private readonly subscribed = new Set<string>();

  constructor(
    private readonly ws: WsSocket,
    private readonly socket: Socket,
    readonly data: T,
    readonly remoteAddress: string,
    private readonly handler: WebSocketHandler<T>,
    private readonly topics: Topics,
  ) {}

  get readyState(): number {
    return this.ws.readyState;
  }

  /** The ws WebSocket underneath. */
  get raw(): WsSocket {
    return this.ws;
  }

  send(data: SendData, compress?: boolean): number {
    return typeof data === 'string' ? this.sendText(data, compress) : this.sendBinary(data, compress);
  }

  sendText(data: string, compress?: boolean): number {
    return this.write(data, false, compress);
  }

  sendBinary(data: ArrayBufferLike | ArrayBufferView, compress?: boolean): number {
    return this.write(copyOf(data), true, compress);
  }

  ping(data?: SendData): number {
    if (this.ws.readyState !== 1) return 0;
    this.ws.ping(data);
    return data === undefined ? 0 : byteLength(data);
  }

  pong(data?: SendData): number {
    if (this.ws.readyState !== 1) return 0;
    this.ws.pong(data);
    return data === undefined ? 0 : byteLength(data);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  /** Cuts the connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Runs `fn` with writes held back, then sends them together. */
  cork<R>(fn: (ws: this) => R): R {
    this.socket.cork();
    try {
      return fn(this);
    } finally {
      this.socket.uncork();
    }
  }

  subscribe(topic: string): void {
    this.subscribed.add(topic);
    let set = this.topics.get(topic);
    if (set === undefined) this.topics.set(topic, (set = new Set()));
    set.add(this as ServerWebSocket<unknown>);
  }

  unsubscribe(topic: string): void {
    this.subscribed.delete(topic);
    const set = this.topics.get(topic);
    set?.delete(this as ServerWebSocket<unknown>);
    if (set?.size === 0) this.topics.delete(topic);
  }

  isSubscribed(topic: string): boolean {
    return this.subscribed.has(topic);
  }

  get subscriptions(): string[] {
    return [...this.subscribed];
  }

  /** Sends to every subscriber of `topic` (not this one, unless publishToSelf); the bytes of one message, or 0 when none took it. */
  publish(topic: string, data: SendData, compress?: boolean): number {
    return publishTo(this.topics, topic, data, compress, this.handler.publishToSelf === true ? null : (this as ServerWebSocket<unknown>));
  }

  private write(data: string | ArrayBufferView, binary: boolean, compress?: boolean): number {
    if (this.ws.readyState !== 1) return 0;
    const size = byteLength(data);
    if (this.ws.bufferedAmount + size > (this.handler.backpressureLimit ?? DEFAULT_MAX_MESSAGE)) {
      if (this.handler.closeOnBackpressureLimit === true) this.ws.close(1008, 'Backpressure limit');
      return 0;
    }
    this.ws.send(data, { binary, compress: compress === true });
    // Node's own signal: write() past the high-water mark; 'drain' follows once it empties.
    return this.socket.writableNeedDrain ? -1 : size;
  }

  /** Calls the handlers for this connection's events; a handler that throws or rejects is logged and the connection closed with 1011. */
  listen(logger: Logger | undefined, mount: string): void {
    const { ws, handler } = this;
    const fail = (err: unknown): void => {
      logger?.error('WebSocket handler failed', { mount, error: err });
      if (ws.readyState === 1) ws.close(1011, 'Internal error');
    };
    const run = (fn: () => unknown): void => {
      try {
        const result = fn();
        if (result instanceof Promise) result.catch(fail);
      } catch (err) {
        fail(err);
      }
    };
    ws.binaryType = 'arraybuffer';
    ws.on('message', (data, isBinary) => run(() => handler.message(this, isBinary ? this.binary(data as ArrayBuffer) : (data as Buffer).toString('utf8'))));
    ws.on('ping', (data) => handler.ping && run(() => handler.ping!(this, data)));
    ws.on('pong', (data) => handler.pong && run(() => handler.pong!(this, data)));
    this.socket.on('drain', () => handler.drain && ws.readyState === 1 && run(() => handler.drain!(this)));
    ws.on('error', ignore);
    ws.on('close', (code, reason) => {
      for (const topic of this.subscribed) this.unsubscribe(topic);
      if (handler.close) run(() => handler.close!(this, code, reason.toString('utf8')));
    });
    if (handler.open) run(() => handler.open!(this));
  }

  // ws gives each binary message an ArrayBuffer of its own, so a Buffer over it is exact
  // (Hono's Bun adapter reads message.buffer).
  private binary(bytes: ArrayBuffer): Buffer | ArrayBuffer | Uint8Array {
    if (this.binaryType === 'arraybuffer') return bytes;
    return this.binaryType === 'uint8array' ? new Uint8Array(bytes) : Buffer.from(bytes);
  }
}

const ignore = (): void => {};
