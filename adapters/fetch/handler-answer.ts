// What a Fetch handler's answer must be, and the answers the adapter gives in
// its place: shared by the ordinary path (fetch-app.ts) and the upgrade path
// (upgrade-exchange.ts). A Response from another realm or copy of undici counts
// (its toStringTag says so); anything else is the app's failure, which the
// gateway reports as a 500. A URL that cannot be parsed is the client's: 400,
// the server's error page (adapters/error-page.ts).

import type { Env, Responder } from '../env.js';
import { sendErrorPage } from '../error-page.js';
import { FetchAdapterError } from './errors.js';
import { LightResponse, NodeResponse } from './light-response.js';

// Not `instanceof Response`: the global may be the light Response, whose check is slower.
export const isResponse = (x: unknown): x is Response =>
  LightResponse.is(x) || x instanceof NodeResponse || Object.prototype.toString.call(x) === '[object Response]';

export const notAResponse = (x: unknown): FetchAdapterError =>
  new FetchAdapterError(
    'ERR_NOT_A_RESPONSE',
    `The Fetch handler must return a Response, got ${x === null ? 'null' : typeof x === 'object' ? Object.prototype.toString.call(x) : typeof x}`,
  );

export const badUrl = (env: Env, res: Responder, err: unknown): void =>
  sendErrorPage(env, res, { status: 400, message: err instanceof Error ? err.message : String(err), code: 'ERR_BAD_URL' });
