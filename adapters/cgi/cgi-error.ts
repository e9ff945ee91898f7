// Every way a CGI exchange can fail, as an error with a stable code (tests and
// log readers match on codes, as with the engine's HttpError) and the status
// the client gets when nothing was sent yet. Failures of the program itself are
// 502 (the gateway got a bad answer from upstream, RFC 9110 §15.6.3) and a
// program that does not answer in time is 504 (§15.6.5), as Apache and nginx do.
// A CgiError is an HttpError (core/errors.ts), Portico's one error base.

import { HttpError } from '../../core/index.js';

export type CgiErrorCode =
  | 'ERR_CGI_NOT_FOUND'
  | 'ERR_CGI_FORBIDDEN'
  | 'ERR_CGI_BUSY'
  | 'ERR_CGI_SPAWN'
  | 'ERR_CGI_BAD_HEADERS'
  | 'ERR_CGI_HEADERS_TOO_LARGE'
  | 'ERR_CGI_NO_HEADERS'
  | 'ERR_CGI_REDIRECT_LOOP'
  | 'ERR_CGI_TIMEOUT';

const STATUS: Record<CgiErrorCode, number> = {
  ERR_CGI_NOT_FOUND: 404,
  ERR_CGI_FORBIDDEN: 403,
  ERR_CGI_BUSY: 503,
  ERR_CGI_SPAWN: 502,
  ERR_CGI_BAD_HEADERS: 502,
  ERR_CGI_HEADERS_TOO_LARGE: 502,
  ERR_CGI_NO_HEADERS: 502,
  ERR_CGI_REDIRECT_LOOP: 502,
  ERR_CGI_TIMEOUT: 504,
};

export class CgiError extends HttpError<CgiErrorCode> {
  override readonly name = 'CgiError';
  constructor(code: CgiErrorCode, message: string) {
    super(code, STATUS[code], message);
  }
}
