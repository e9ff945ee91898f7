// fetchApp(handler): any Fetch-style handler `(request, info) => Response` as a
// Portico app. Per request: a Request (build-request.ts), the info object
// (info.ts), one call of the handler, and the Response written back
// (write-response.ts). The path is kept short for the common case: a handler
// answering synchronously with a string or bytes body is served with no promise
// at all; an async handler costs one `then`.
//
// Failures are the gateway's to report: a handler that throws, rejects, or
// returns something that is not a Response makes this app throw or reject, so
// the gateway logs it with the mount and answers 500 (or cuts the connection
// when the head has already gone out). A URL that cannot be parsed is the
// client's fault: 400. Under a stripped prefix (the default) the app's
// Location fields are put back below the mount (prefix-location.ts). Requests
// asking for a protocol upgrade take their own path (upgrade-exchange.ts). The
// app carries a serving hook: while a Portico server hosting it listens, the
// global Response is the light one (response-global.ts), unless `lightResponse: false`.

import { SERVING_HOOK, type Env, type Responder } from '../env.js';
import { optionKeys, refuseUnknownOptions } from '../known-options.js';
import { buildRequest } from './build-request.js';
import { badUrl, isResponse, notAResponse } from './handler-answer.js';
import { fetchInfo } from './info.js';
import { toFetchHandler, type AnyFetchHandler, type FetchHandler, type FetchModule } from './module-handler.js';
import { writeResponse, type StrippedMount } from './write-response.js';
import { holdLightResponse } from './response-global.js';
import { FetchUpgrades, type FetchMountedApp } from './upgrade-exchange.js';
import type { WebSocketHandler } from './bun-websocket.js';

export interface FetchAppOptions {
  /**
   * Give the handler URLs without the mount prefix, so an app written to live at
   * "/" works unchanged under any mount (as Hono's app.mount() and Traefik's
   * StripPrefix do). The prefix goes to the app as X-Forwarded-Prefix and
   * info.scriptName; a Location the app answers with is put back below it.
   * Default true; false gives the full URL, for apps that route on it.
   */
  stripPrefix?: boolean;
  /**
   * While a Portico server hosting this app listens, the global Response is a
   * light one that builds Node's Response (and its stream) only when something
   * reads the body (light-response.ts): string and bytes answers cost a fraction.
   * It is restored when the last such server closes. Default true; false keeps
   * Node's Response for this app (another app in the process may still ask for it).
   */
  lightResponse?: boolean;
  /**
   * Build each Request lazily (lazy-request.ts). Default true; false builds the
   * real Request up front, as the adapter also does where the probe finds lazy
   * Requests unsupported.
   */
  lazyRequest?: boolean;
  /**
   * Bun-style WebSocket handlers for connections the handler takes with
   * info.upgrade(request, { data }) (upgrade-exchange.ts). A module's
   * `websocket` export beside fetch is taken when this is not given.
   */
  websocket?: WebSocketHandler<any>;
}

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  x !== null && typeof x === 'object' && typeof (x as PromiseLike<unknown>).then === 'function';

const KNOWN = optionKeys({ stripPrefix: 1, lightResponse: 1, lazyRequest: 1, websocket: 1 } satisfies Record<keyof FetchAppOptions, 1>);

/** Hosts a Fetch handler, or an object with fetch() (a Hono app), as a Portico app. */
export function fetchApp(handler: FetchHandler, options?: FetchAppOptions): FetchMountedApp;
export function fetchApp(handlerOrModule: AnyFetchHandler | FetchModule, options?: FetchAppOptions): FetchMountedApp;
export function fetchApp(handlerOrModule: AnyFetchHandler | FetchModule, options: FetchAppOptions = {}): FetchMountedApp {
  const handler = toFetchHandler(handlerOrModule);
  refuseUnknownOptions('fetchApp', options, KNOWN);
  const stripPrefix = options.stripPrefix !== false;
  const lazy = options.lazyRequest !== false;
  const upgrades = new FetchUpgrades(handler, options.websocket ?? (handlerOrModule as { websocket?: WebSocketHandler }).websocket, stripPrefix, lazy);
  const app = upgrades.listenable((env: Env, res: Responder): void | Promise<void> => {
    if (env.extensions['portico.upgrade'] === true) return upgrades.serve(env, res);
    let request: Request;
    try {
      request = buildRequest(env, res, stripPrefix, lazy);
    } catch (err) {
      return badUrl(env, res, err);
    }
    const info = fetchInfo(env, stripPrefix, upgrades.publish);
    const isHead = env.method === 'HEAD';
    const mount: StrippedMount | undefined = stripPrefix && env.scriptName !== '' ? { prefix: env.scriptName, url: request.url } : undefined;
    const result: unknown = handler(request, info, info);
    if (isResponse(result)) return writeResponse(res, result, isHead, mount);
    if (isThenable(result)) {
      return Promise.resolve(result).then((answer) => {
        if (!isResponse(answer)) throw notAResponse(answer);
        return writeResponse(res, answer, isHead, mount);
      });
    }
    throw notAResponse(result);
  });
  if (options.lightResponse !== false) Object.assign(app, { [SERVING_HOOK]: holdLightResponse });
  return app;
}
