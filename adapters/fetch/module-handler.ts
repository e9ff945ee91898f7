// What counts as a Fetch app, and how to call it. A handler is a function
// `(request, info, ctx) => Response | Promise<Response>` (Deno.serve, Bun.serve,
// Hono's app.fetch); a module's default export may instead be an object with a
// `fetch` method (the Workers/Bun module convention, and a Hono app itself), so
// `export default app` just works. Such methods may use `this`, so they are bound.

import { FetchAdapterError } from './errors.js';
import type { FetchInfo } from './info.js';

/** A Fetch-style handler. `info` is also passed third, as a Workers-style context (`ctx.waitUntil`). */
export type FetchHandler = (request: Request, info: FetchInfo, ctx: FetchInfo) => Response | Promise<Response>;

/**
 * Any `(request, ...) => Response` function: what fetchApp() accepts, whatever
 * types its further parameters claim (Hono's are its own Bindings and ExecutionContext).
 */
export type AnyFetchHandler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/** An object with a fetch() method: a Hono app, a Workers/Bun module's default export. */
export interface FetchModule {
  fetch: AnyFetchHandler;
}

/** True for an object (or function) with a `fetch` method. */
export const isFetchApp = (x: unknown): x is FetchModule =>
  (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { fetch?: unknown }).fetch === 'function';

/** The handler a module default export stands for; throws ERR_NOT_FETCH_APP for anything else. */
export const toFetchHandler = (moduleDefault: unknown): FetchHandler => {
  if (isFetchApp(moduleDefault)) return moduleDefault.fetch.bind(moduleDefault) as unknown as FetchHandler;
  if (typeof moduleDefault === 'function') return moduleDefault as FetchHandler;
  throw new FetchAdapterError(
    'ERR_NOT_FETCH_APP',
    `A Fetch app is a (request) => Response function or an object with fetch(), got ${moduleDefault === null ? 'null' : typeof moduleDefault}`,
  );
};
