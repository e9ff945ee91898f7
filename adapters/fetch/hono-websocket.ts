// Hono's upgradeWebSocket() for apps served by Portico, with nothing else to
// wire: `app.get('/ws', upgradeWebSocket((c) => ({ onMessage(evt, ws) {...} })))`
// and `export default app`, under the CLI or fetchApp() alike. It follows Hono's
// adapter contract (hono/ws's defineWebSocketHelper: a middleware that answers
// the upgrade or calls next(); called with (c, events) it returns the Response)
// on top of info.upgradeWebSocket(), which the app receives as c.env. It exists
// because Hono's own Bun and Deno helpers cannot run on Node: `hono/bun` reads
// the global `Bun` when imported, and `hono/deno` calls the global `Deno`.
// Hono itself is not imported: ws is a WSContext-shaped object of our own.

import type { CloseEvent, ErrorEvent, MessageEvent } from './websocket-events.js';
import type { FetchInfo, WebSocketUpgradeOptions } from './info.js';
import type { UpgradedWebSocket } from './web-socket.js';

/** The parts of Hono's Context this helper uses. */
export interface HonoContextLike {
  req: { raw: Request; url: string; header(name: string): string | undefined };
  env: unknown;
}

/** Hono's WSContext, as its event handlers use it. */
export interface HonoWSContext {
  send(source: string | ArrayBuffer | Uint8Array, options?: { compress?: boolean }): void;
  close(code?: number, reason?: string): void;
  readonly raw: UpgradedWebSocket;
  binaryType: 'blob' | 'arraybuffer';
  readonly readyState: number;
  readonly url: URL | null;
  readonly protocol: string | null;
}

/** Hono's WSEvents. */
export interface HonoWSEvents {
  onOpen?(evt: Event, ws: HonoWSContext): void;
  onMessage?(evt: MessageEvent, ws: HonoWSContext): void;
  onClose?(evt: CloseEvent, ws: HonoWSContext): void;
  onError?(evt: ErrorEvent | Event, ws: HonoWSContext): void;
}

export interface HonoUpgradeOptions extends WebSocketUpgradeOptions {
  /** Called when an event handler throws (default console.error, as in @hono/node-ws). */
  onError?: (err: unknown) => void;
}

type Next = () => Promise<void>;

const upgradeOf = (c: HonoContextLike): FetchInfo['upgradeWebSocket'] => {
  const fn = (c.env as Partial<FetchInfo> | undefined)?.upgradeWebSocket;
  if (typeof fn !== 'function') throw new TypeError('upgradeWebSocket: c.env has no upgradeWebSocket(); serve the app with Portico (fetchApp or the CLI)');
  return fn;
};

/** Takes the upgrade, or returns undefined when the request does not ask for a WebSocket. */
const upgrade = (c: HonoContextLike, events: HonoWSEvents, options?: HonoUpgradeOptions): Response | undefined => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return undefined;
  const { socket, response } = upgradeOf(c)(c.req.raw, options);
  socket.binaryType = 'arraybuffer';
  const ws: HonoWSContext = {
    send: (source) => socket.send(source),
    close: (code, reason) => socket.close(code, reason),
    raw: socket,
    get binaryType() {
      return socket.binaryType;
    },
    set binaryType(type) {
      socket.binaryType = type;
    },
    get readyState() {
      return socket.readyState;
    },
    url: new URL(c.req.url),
    get protocol() {
      return socket.protocol;
    },
  };
  const report = options?.onError ?? console.error;
  const on = <E extends Event>(type: string, fn: ((evt: E, ws: HonoWSContext) => void) | undefined): void => {
    if (fn === undefined) return;
    socket.addEventListener(type, (evt) => {
      try {
        fn(evt as E, ws);
      } catch (err) {
        report(err);
      }
    });
  };
  on('open', events.onOpen);
  on('message', events.onMessage);
  on('close', events.onClose);
  on('error', events.onError);
  return response;
};

/**
 * As a middleware: `upgradeWebSocket((c) => events, options)`. `c` is the route's
 * Context; without Hono's types here it is typed `any` unless annotated.
 */
export function upgradeWebSocket<C extends HonoContextLike = any>(
  createEvents: (c: C) => HonoWSEvents | Promise<HonoWSEvents>,
  options?: HonoUpgradeOptions,
): (c: C, next: Next) => Promise<Response | void>;
/** Inside a handler: `return upgradeWebSocket(c, events, options)`; rejects when the request is not a WebSocket handshake. */
export function upgradeWebSocket(c: HonoContextLike, events: HonoWSEvents, options?: HonoUpgradeOptions): Promise<Response>;
export function upgradeWebSocket(
  first: ((c: HonoContextLike) => HonoWSEvents | Promise<HonoWSEvents>) | HonoContextLike,
  second?: HonoUpgradeOptions | HonoWSEvents,
  third?: HonoUpgradeOptions,
): ((c: HonoContextLike, next: Next) => Promise<Response | void>) | Promise<Response> {
  if (typeof first === 'function') {
    const options = second as HonoUpgradeOptions | undefined;
    return async (c, next) => {
      const response = upgrade(c, await first(c), options);
      if (response !== undefined) return response;
      await next();
    };
  }
  return (async () => {
    const response = upgrade(first, second as HonoWSEvents, third);
    if (response === undefined) throw new Error('Failed to upgrade WebSocket');
    return response;
  })();
}
