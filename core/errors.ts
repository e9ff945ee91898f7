// Portico's one error base. Every error Portico raises on purpose is a
// PorticoError with a stable code, ERR_... (callers and tests match on codes, not
// messages, as undici's errors allow); one that answers a request is an HttpError,
// which adds the status a server answers it with. The engine throws only
// HttpErrors; one place, the connection (server-connection.ts), turns them into
// responses. Adapters' errors (CgiError, FastCgiError, ...) are HttpErrors with
// codes of their own; configuration errors are PorticoErrors. Every code is listed,
// with its status and meaning, in docs/errors.md.

export type HttpErrorCode =
  | 'ERR_BAD_REQUEST_LINE'
  | 'ERR_BAD_METHOD'
  | 'ERR_BAD_TARGET'
  | 'ERR_BAD_VERSION'
  | 'ERR_VERSION_NOT_SUPPORTED'
  | 'ERR_BAD_LINE_ENDING'
  | 'ERR_BAD_HEADER'
  | 'ERR_OBS_FOLD'
  | 'ERR_BAD_HOST'
  | 'ERR_REQUEST_LINE_TOO_LONG'
  | 'ERR_HEADER_TOO_LARGE'
  | 'ERR_TOO_MANY_HEADERS'
  | 'ERR_BAD_CONTENT_LENGTH'
  | 'ERR_BAD_TRANSFER_ENCODING'
  | 'ERR_UNSUPPORTED_TRANSFER_CODING'
  | 'ERR_TE_AND_CONTENT_LENGTH'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_BAD_CHUNK'
  | 'ERR_CHUNK_EXTENSION_TOO_LONG'
  | 'ERR_TRAILERS_TOO_LARGE'
  | 'ERR_EXPECTATION_FAILED'
  | 'ERR_METHOD_NOT_IMPLEMENTED'
  | 'ERR_HEADERS_TIMEOUT'
  | 'ERR_BODY_TIMEOUT'
  | 'ERR_BODY_ABORTED'
  | 'ERR_RESPONSE_TIMEOUT'
  | 'ERR_INVALID_HEADER'
  | 'ERR_INVALID_STATUS'
  | 'ERR_HEADERS_SENT'
  | 'ERR_WRITE_AFTER_END'
  | 'ERR_CONTENT_LENGTH_MISMATCH'
  | 'ERR_RESPONSE_BUFFER_OVERFLOW'
  | 'ERR_CLIENT_GONE'
  | 'ERR_HANDLER_FAILED'
  | 'ERR_BODY_DISCARDED'
  | 'ERR_CONNECTION_DESTROYED'
  | 'ERR_SEND_TIMEOUT'
  | 'ERR_RESPONSE_ABORTED'
  | 'ERR_BAD_PATH';

/** The base of every error Portico raises on purpose: `code` is stable, the message is not. */
export class PorticoError<C extends string = string> extends Error {
  override readonly name: string = 'PorticoError';
  constructor(
    readonly code: C,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * An error that answers a request: `status` is the answer when nothing was sent
 * yet, and what the access log shows then. `C` is the engine's codes unless a
 * subclass (an adapter's error) names its own.
 */
export class HttpError<C extends string = HttpErrorCode> extends PorticoError<C> {
  override readonly name: string = 'HttpError';
  constructor(
    code: NoInfer<C>,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** A malformed request: the framing can no longer be trusted. */
export const badRequest = (code: HttpErrorCode, message: string): HttpError =>
  new HttpError(code, 400, message);

/** A request body over its limit (maxBodyBytes, a mount's, or a reader's own): the one 413. */
export const bodyTooLarge = (): HttpError => new HttpError('ERR_BODY_TOO_LARGE', 413, 'Request body exceeds the limit');

/** A misuse of the response API by the app (status 500 if it reaches a client). */
export const appError = (code: HttpErrorCode, message: string): HttpError =>
  new HttpError(code, 500, message);
