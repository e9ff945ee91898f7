// Every way a FastCGI exchange can fail, as an error with a stable code and the
// status the client gets when nothing was sent yet. An application that cannot
// be reached or answers badly is 502 (RFC 9110 §15.6.3); one that does not
// connect or answer in time is 504 (§15.6.5), as nginx answers for
// fastcgi_connect_timeout and fastcgi_read_timeout; one that says it is
// overloaded (FCGI_OVERLOADED, spec §5.5), or a full connection queue, is 503.
// A FastCgiError is an HttpError (core/errors.ts), Portico's one error base.

import { HttpError } from '../../core/index.js';

export type FastCgiErrorCode =
  | 'ERR_FCGI_NOT_FOUND'
  | 'ERR_FCGI_FORBIDDEN'
  | 'ERR_FCGI_BUSY'
  | 'ERR_FCGI_OVERLOADED'
  | 'ERR_FCGI_CONNECT'
  | 'ERR_FCGI_CONNECT_TIMEOUT'
  | 'ERR_FCGI_CLOSED'
  | 'ERR_FCGI_PROTOCOL'
  | 'ERR_FCGI_BAD_HEADERS'
  | 'ERR_FCGI_NO_HEADERS'
  | 'ERR_FCGI_REDIRECT_LOOP'
  | 'ERR_FCGI_TIMEOUT';

const STATUS: Record<FastCgiErrorCode, number> = {
  ERR_FCGI_NOT_FOUND: 404,
  ERR_FCGI_FORBIDDEN: 403,
  ERR_FCGI_BUSY: 503,
  ERR_FCGI_OVERLOADED: 503,
  ERR_FCGI_CONNECT: 502,
  ERR_FCGI_CONNECT_TIMEOUT: 504,
  ERR_FCGI_CLOSED: 502,
  ERR_FCGI_PROTOCOL: 502,
  ERR_FCGI_BAD_HEADERS: 502,
  ERR_FCGI_NO_HEADERS: 502,
  ERR_FCGI_REDIRECT_LOOP: 502,
  ERR_FCGI_TIMEOUT: 504,
};

export class FastCgiError extends HttpError<FastCgiErrorCode> {
  override readonly name: string = 'FastCgiError';
  constructor(code: FastCgiErrorCode, message: string) {
    super(code, STATUS[code], message);
  }
}

/** The application broke the FastCGI protocol (or its connection died): the connection can no longer be trusted. */
export class FastCgiProtocolError extends FastCgiError {
  override readonly name = 'FastCgiProtocolError';
  constructor(message: string) {
    super('ERR_FCGI_PROTOCOL', message);
  }
}
