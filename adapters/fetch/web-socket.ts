// The socket of Deno.upgradeWebSocket(), on Portico: a WHATWG WebSocket seen
// from the server (https://websockets.spec.whatwg.org/) — an EventTarget with
// onopen/onmessage/onclose/onerror, send(), close(code, reason), readyState,
// bufferedAmount, binaryType, protocol, extensions and url — over the `ws`
// package's WebSocket. It is created CONNECTING, before the handler has answered;
// attach() is called once the handshake is done, or fail() when it is not.
// Events are the WHATWG ones (MessageEvent, CloseEvent, ErrorEvent: see
// websocket-events.ts), so code written for Deno or a browser reads them unchanged.

import { CloseEvent, ErrorEvent, MessageEvent } from './websocket-events.js';
import type { WebSocket as WsSocket } from 'ws';
import { copyOf } from './websocket-host.js';

type Handler<E = Event> = ((event: E) => unknown) | null;
type BinaryType = 'blob' | 'arraybuffer';
type SendData = string | ArrayBufferLike | ArrayBufferView | Blob;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const encoder = new TextEncoder();

/** A DOMException named as the WHATWG spec names each failure. */
const domError = (message: string, name: string): DOMException => new DOMException(message, name);

export class UpgradedWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  private ws: WsSocket | null = null;
  private state = CONNECTING;
  private type: BinaryType = 'blob';
  private readonly handlers = new Map<string, Handler>();
  /** Sends waiting behind a Blob being read, and their bytes (part of bufferedAmount). */
  private blobs: Promise<void> | null = null;
  private waiting = 0;

  constructor(readonly url: string) {
    super();
  }

  get readyState(): number {
    return this.ws === null ? this.state : this.ws.readyState;
  }

  get bufferedAmount(): number {
    return this.ws === null ? 0 : this.ws.bufferedAmount + this.waiting;
  }

  get protocol(): string {
    return this.ws === null ? '' : this.ws.protocol;
  }

  get extensions(): string {
    return this.ws === null ? '' : this.ws.extensions;
  }

  get binaryType(): BinaryType {
    return this.type;
  }

  set binaryType(type: BinaryType) {
    // The spec ignores values other than the two it knows.
    if (type === 'blob' || type === 'arraybuffer') this.type = type;
  }

  get onopen(): Handler<Event> {
    return this.handler('open') as Handler<Event>;
  }
  set onopen(fn: Handler<Event>) {
    this.setHandler('open', fn as Handler);
  }
  get onmessage(): Handler<MessageEvent> {
    return this.handler('message') as Handler<MessageEvent>;
  }
  set onmessage(fn: Handler<MessageEvent>) {
    this.setHandler('message', fn as Handler);
  }
  get onclose(): Handler<CloseEvent> {
    return this.handler('close') as Handler<CloseEvent>;
  }
  set onclose(fn: Handler<CloseEvent>) {
    this.setHandler('close', fn as Handler);
  }
  get onerror(): Handler<ErrorEvent | Event> {
    return this.handler('error') as Handler<ErrorEvent | Event>;
  }
  set onerror(fn: Handler<ErrorEvent | Event>) {
    this.setHandler('error', fn as Handler);
  }

  send(data: SendData): void {
    if (this.ws === null || this.state === CONNECTING) throw domError('The WebSocket is not open yet', 'InvalidStateError');
    const ws = this.ws;
    // The bytes as they are now (WHATWG: send() takes a copy): ws would queue the caller's own memory.
    const bytes = typeof data === 'string' ? data : data instanceof Blob ? data : copyOf(data);
    if (bytes instanceof Blob || this.blobs !== null) {
      // A Blob's bytes come later, and what follows it must wait for it: messages keep their order.
      const size = bytes instanceof Blob ? bytes.size : Buffer.byteLength(bytes);
      this.waiting += size;
      const chain = (this.blobs ?? Promise.resolve()).then(async () => {
        const out = bytes instanceof Blob ? new Uint8Array(await bytes.arrayBuffer()) : bytes;
        this.waiting -= size;
        ws.send(out, { binary: typeof out !== 'string' });
      });
      this.blobs = chain;
      void chain.then(() => {
        if (this.blobs === chain) this.blobs = null;
      });
      return;
    }
    if (typeof bytes === 'string') ws.send(bytes);
    else ws.send(bytes, { binary: true });
  }

  close(code?: number, reason?: string): void {
    // WHATWG: only 1000 and the application range 3000-4999 are for scripts to send.
    if (code !== undefined && code !== 1000 && (code < 3000 || code > 4999)) {
      throw domError(`The close code must be 1000 or in 3000-4999, got ${code}`, 'InvalidAccessError');
    }
    if (reason !== undefined && encoder.encode(reason).length > 123) throw domError('The close reason is longer than 123 bytes', 'SyntaxError');
    if (this.ws === null) {
      // Not open yet (the handler has not answered): the handshake will not happen.
      this.state = CLOSING;
      return;
    }
    this.ws.close(code, reason);
  }

  /** The handshake is done: events flow from `ws`. */
  attach(ws: WsSocket): void {
    if (this.state === CLOSING) {
      this.ws = ws;
      ws.on('close', (code, reason) => this.closed(code, reason.toString(), code !== 1006));
      ws.close();
      return;
    }
    this.ws = ws;
    this.state = OPEN;
    ws.binaryType = 'arraybuffer';
    ws.on('message', (data, isBinary) => {
      // ws gives text as a Buffer (UTF-8 already checked, RFC 6455 §8.1), binary as an ArrayBuffer of its own.
      const payload = !isBinary ? (data as Buffer).toString('utf8') : this.type === 'blob' ? new Blob([data as ArrayBuffer]) : data;
      this.dispatchEvent(new MessageEvent('message', { data: payload }));
    });
    ws.on('error', (err) => this.dispatchEvent(new ErrorEvent('error', { error: err, message: err.message })));
    ws.on('close', (code, reason) => this.closed(code, reason.toString(), code !== 1006));
    this.dispatchEvent(new Event('open'));
  }

  /** The handshake did not happen (the handler answered otherwise, or the client left first). */
  fail(message: string): void {
    if (this.state === CLOSED) return;
    this.dispatchEvent(new ErrorEvent('error', { message }));
    this.closed(1006, '', false);
  }

  private closed(code: number, reason: string, wasClean: boolean): void {
    this.state = CLOSED;
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
  }

  private handler(type: string): Handler {
    return this.handlers.get(type) ?? null;
  }

  private setHandler(type: string, fn: Handler): void {
    const old = this.handlers.get(type);
    if (old) this.removeEventListener(type, old);
    if (typeof fn === 'function') {
      this.handlers.set(type, fn);
      this.addEventListener(type, fn);
    } else this.handlers.delete(type);
  }
}
