// A Fetch app's requests that ask for a protocol upgrade. Three ways to take one:
//
// - 'upgrade' listeners on the app fetchApp() returns, as on node:http's server
//   (what @hono/node-ws's injectWebSocket(server) adds): every upgrade request
//   goes to them as (req, socket, head), req.url below the mount as the app sees it.
// - Deno's: `info.upgradeWebSocket(request)` → { socket, response }; the upgrade
//   happens when the handler answers with that response.
// - Bun's: `info.upgrade(request, { data, headers })` → true, with the
//   `websocket` handlers given to fetchApp (or exported beside fetch); whatever
//   the handler then returns is ignored, as Bun ignores it.
//
// Otherwise the handler's Response is sent as for any request (an upgrade refused).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { App, Env, Responder } from '../env.js';
import { acceptUpgrade, type UpgradeListener } from '../node/upgrade.js';
import { buildRequest } from './build-request.js';
import { FetchAdapterError } from './errors.js';
import { fetchInfo, type FetchInfo, type UpgradeOptions, type WebSocketUpgrade, type WebSocketUpgradeOptions } from './info.js';
import type { FetchHandler } from './module-handler.js';
import { badUrl, isResponse, notAResponse } from './handler-answer.js';
import { writeResponse } from './write-response.js';
import { closeOnShutdown, headerPairs, keepAlive, webSocketOf, WebSocketHost } from './websocket-host.js';
import { UpgradedWebSocket } from './web-socket.js';
import { DEFAULT_MAX_MESSAGE, publishTo, ServerWebSocket, type Topics, type WebSocketHandler } from './bun-websocket.js';

/** fetchApp()'s app: a Portico app that also takes node:http-style 'upgrade' listeners. */
export interface FetchMountedApp extends App {
  on(event: 'upgrade', listener: UpgradeListener): this;
  once(event: 'upgrade', listener: UpgradeListener): this;
  off(event: 'upgrade', listener: UpgradeListener): this;
  addListener(event: 'upgrade', listener: UpgradeListener): this;
  removeListener(event: 'upgrade', listener: UpgradeListener): this;
  listenerCount(event: 'upgrade'): number;
}

const KEY = /^[+/0-9A-Za-z]{22}==$/;

const hasToken = (value: string | undefined, token: string): boolean =>
  value !== undefined && value.split(',').some((t) => t.trim().toLowerCase() === token);

/** Why the request is not a WebSocket handshake (RFC 6455 §4.2.1), or null when it is one. */
export const handshakeProblem = (env: Env): string | null => {
  const h = env.headers;
  if (env.method !== 'GET') return 'a WebSocket handshake is a GET request';
  if (!hasToken(h['upgrade'], 'websocket')) return "Invalid Header: 'upgrade' header must contain 'websocket'";
  if (env.extensions['portico.upgrade'] !== true) return "Invalid Header: 'connection' header must contain 'Upgrade'";
  if (!KEY.test(h['sec-websocket-key'] ?? '')) return "Invalid Header: 'sec-websocket-key' header must be set";
  if (h['sec-websocket-version'] !== '13') return "Invalid Header: 'sec-websocket-version' header must be '13'";
  return null;
};

/** What the handler asked for during one exchange. */
type Claim =
  | { kind: 'deno'; socket: UpgradedWebSocket; response: Response; protocol?: string; idleTimeout: number }
  | { kind: 'bun'; data: unknown; headers: Headers | undefined };

const wsUrl = (url: string): string => url.replace(/^http/, 'ws');

export class FetchUpgrades {
  private readonly emitter = new EventEmitter();
  private readonly host: WebSocketHost;
  private readonly topics: Topics = new Map();
  /** info.publish of every request to this app. */
  readonly publish: FetchInfo['publish'] = (topic, data, compress) => publishTo(this.topics, topic, data, compress, null);

  constructor(
    private readonly handler: FetchHandler,
    private readonly websocket: WebSocketHandler | undefined,
    private readonly stripPrefix: boolean,
    private readonly lazy: boolean,
  ) {
    this.host = new WebSocketHost({
      maxPayload: websocket?.maxPayloadLength ?? DEFAULT_MAX_MESSAGE,
      perMessageDeflate: websocket?.perMessageDeflate === true,
    });
  }

  /** Gives `app` the 'upgrade' listener methods of node:http's server. */
  listenable(app: App): FetchMountedApp {
    const target = app as FetchMountedApp;
    const { emitter } = this;
    for (const name of ['on', 'once', 'off', 'addListener', 'removeListener'] as const) {
      target[name] = function (this: FetchMountedApp, event: 'upgrade', listener: UpgradeListener) {
        emitter[name](event, listener);
        return this;
      };
    }
    target.listenerCount = (event) => emitter.listenerCount(event);
    return target;
  }

  /** Serves a request that asks for an upgrade. */
  serve(env: Env, res: Responder): void | Promise<void> {
    if (this.emitter.listenerCount('upgrade') > 0) return this.emitUpgrade(env, res);
    let request: Request;
    try {
      request = buildRequest(env, res, this.stripPrefix, this.lazy);
    } catch (err) {
      return badUrl(env, res, err);
    }
    let claim: Claim | null = null;
    const problem = handshakeProblem(env);
    const info: FetchInfo = {
      ...fetchInfo(env, this.stripPrefix, this.publish),
      upgrade: (_request: Request, options?: UpgradeOptions): boolean => {
        if (problem !== null || claim !== null) return false;
        if (this.websocket === undefined) {
          throw new FetchAdapterError('ERR_NO_WEBSOCKET_HANDLER', 'info.upgrade() needs websocket handlers: fetchApp(handler, { websocket }), or a module that exports websocket beside fetch');
        }
        claim = { kind: 'bun', data: options?.data, headers: options?.headers === undefined ? undefined : new Headers(options.headers) };
        return true;
      },
      upgradeWebSocket: (_request: Request, options?: WebSocketUpgradeOptions): WebSocketUpgrade => {
        if (problem !== null) throw new TypeError(problem);
        if (claim !== null) throw new TypeError('This request was already upgraded');
        const socket = new UpgradedWebSocket(wsUrl(request.url));
        const response = new Response(null);
        // Deno's is a 101 (Switching Protocols), which the Response constructor refuses to build.
        Object.defineProperty(response, 'status', { value: 101 });
        claim = { kind: 'deno', socket, response, protocol: options?.protocol, idleTimeout: options?.idleTimeout ?? 120 };
        return { socket, response };
      },
    };
    const refuse = (): void => {
      if (claim?.kind === 'deno') claim.socket.fail('The handler did not answer with the upgrade response');
    };
    let result: unknown;
    try {
      result = this.handler(request, info, info);
    } catch (err) {
      refuse();
      throw err;
    }
    return Promise.resolve(result).then(
      (answer: unknown) => {
        const taken = claim as Claim | null;
        if (taken !== null && (taken.kind === 'bun' || answer === taken.response)) return this.complete(env, res, taken);
        refuse();
        if (!isResponse(answer)) throw notAResponse(answer);
        const mount = this.stripPrefix && env.scriptName !== '' ? { prefix: env.scriptName, url: request.url } : undefined;
        return writeResponse(res, answer, env.method === 'HEAD', mount);
      },
      (err: unknown) => {
        refuse();
        throw err;
      },
    );
  }

  /** The handshake, then the WebSocket's life: its handlers, idle timeout and shutdown. */
  private async complete(env: Env, res: Responder, claim: Claim): Promise<void> {
    const headers = claim.kind === 'deno' ? claim.response.headers : claim.headers;
    const protocol = claim.kind === 'deno' ? claim.protocol : (claim.headers?.get('sec-websocket-protocol') ?? undefined);
    const accepted = await this.host.accept(env, res, { protocol, headers: headerPairs(headers) });
    if (accepted === null) {
      if (claim.kind === 'deno') claim.socket.fail('The WebSocket handshake failed');
      return;
    }
    const { ws, socket } = accepted;
    closeOnShutdown(env, ws, socket);
    if (claim.kind === 'deno') {
      keepAlive(ws, claim.idleTimeout);
      claim.socket.attach(ws);
      return;
    }
    const handler = this.websocket!;
    keepAlive(ws, handler.idleTimeout ?? 120, handler.sendPings !== false);
    new ServerWebSocket(ws, socket, claim.data, env.remoteAddress, handler, this.topics).listen(env.extensions['portico.logger'], env.scriptName || '/');
  }

  /** node:http's 'upgrade' event, with req.url as the app sees it (below the mount unless stripPrefix is false). */
  private emitUpgrade(env: Env, res: Responder): void {
    acceptUpgrade(env, res, (req, socket, head) => {
      if (!this.stripPrefix) req.url = (req as { originalUrl?: string }).originalUrl ?? req.url;
      this.emitter.emit('upgrade', req, socket, head);
      // The listener (ws's handleUpgrade) may finish the handshake now or after an await
      // (node-ws first runs the app): at shutdown, a handshake not yet answered is looked
      // for again until it is, or the connection ends, within the deadline. ws writes the
      // 101 and marks the socket in one go, so bytes written and no mark: not a WebSocket.
      const closing = env.extensions['portico.closing'];
      if (closing === undefined) return;
      const written = (socket as Socket).bytesWritten;
      const goAway = (): void => {
        const ws = webSocketOf(socket);
        if (ws !== null) return closeOnShutdown(env, ws, socket);
        if (socket.destroyed || (socket as Socket).bytesWritten > written) return;
        if (!waiting) {
          waiting = true;
          env.extensions['portico.waitUntil']?.(new Promise((resolve) => socket.once('close', resolve)));
        }
        setTimeout(goAway, 10).unref();
      };
      let waiting = false;
      if (closing.aborted) return goAway();
      closing.addEventListener('abort', goAway, { once: true });
      socket.once('close', () => closing.removeEventListener('abort', goAway));
    });
  }
}
