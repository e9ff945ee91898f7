// The fetch adapter's own failures, each with a stable code (as undici's errors
// have) so callers and tests match on codes, not messages. They reach the
// gateway as app failures: a 500 and a log line naming the mount when the head
// has not gone out yet, a cut connection after it. They are HttpErrors
// (core/errors.ts), Portico's one error base.

import { HttpError } from '../../core/index.js';

export type FetchAdapterErrorCode =
  /** The handler returned (or resolved to) something that is not a Response. */
  | 'ERR_NOT_A_RESPONSE'
  /** The handler returned Response.error(), a network error with status 0. */
  | 'ERR_ERROR_RESPONSE'
  /** fetchApp() was given neither a function nor an object with fetch(). */
  | 'ERR_NOT_FETCH_APP'
  /** The Response's body was already read, or is locked to a reader. */
  | 'ERR_RESPONSE_BODY_USED'
  /** A response body stream yielded something other than a Uint8Array. */
  | 'ERR_BAD_BODY_CHUNK'
  /** info.upgrade() was called, but the app has no websocket handlers (fetchApp's `websocket`). */
  | 'ERR_NO_WEBSOCKET_HANDLER';

export class FetchAdapterError extends HttpError<FetchAdapterErrorCode> {
  override readonly name = 'FetchAdapterError';
  constructor(code: FetchAdapterErrorCode, message: string) {
    super(code, 500, message);
  }
}
