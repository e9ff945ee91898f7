// The error a 'clientError' listener receives for a request Portico refused:
// node:http's code where node has one for the same failure (listeners switch on
// them: Fastify answers ERR_HTTP_REQUEST_TIMEOUT with 408 and
// HPE_HEADER_OVERFLOW with 431), HPE_INVALID_* for the other parse errors, and
// Portico's own code and status beside them (porticoCode, status).

import type { HttpError } from '../../core/index.js';

const NODE_CODES: Readonly<Record<string, string>> = {
  ERR_HEADERS_TIMEOUT: 'ERR_HTTP_REQUEST_TIMEOUT',
  ERR_BODY_TIMEOUT: 'ERR_HTTP_REQUEST_TIMEOUT',
  ERR_REQUEST_LINE_TOO_LONG: 'HPE_HEADER_OVERFLOW',
  ERR_HEADER_TOO_LARGE: 'HPE_HEADER_OVERFLOW',
  ERR_TOO_MANY_HEADERS: 'HPE_HEADER_OVERFLOW',
  ERR_TRAILERS_TOO_LARGE: 'HPE_HEADER_OVERFLOW',
  ERR_CHUNK_EXTENSION_TOO_LONG: 'HPE_CHUNK_EXTENSIONS_OVERFLOW',
  ERR_BAD_METHOD: 'HPE_INVALID_METHOD',
  ERR_BAD_REQUEST_LINE: 'HPE_INVALID_METHOD',
  ERR_BAD_TARGET: 'HPE_INVALID_URL',
  ERR_BAD_VERSION: 'HPE_INVALID_VERSION',
  ERR_VERSION_NOT_SUPPORTED: 'HPE_INVALID_VERSION',
  ERR_BAD_LINE_ENDING: 'HPE_LF_EXPECTED',
  ERR_BAD_HEADER: 'HPE_INVALID_HEADER_TOKEN',
  ERR_OBS_FOLD: 'HPE_INVALID_HEADER_TOKEN',
  ERR_BAD_HOST: 'HPE_INVALID_HEADER_TOKEN',
  ERR_BAD_CONTENT_LENGTH: 'HPE_INVALID_CONTENT_LENGTH',
  ERR_TE_AND_CONTENT_LENGTH: 'HPE_UNEXPECTED_CONTENT_LENGTH',
  ERR_BAD_TRANSFER_ENCODING: 'HPE_INVALID_TRANSFER_ENCODING',
  ERR_UNSUPPORTED_TRANSFER_CODING: 'HPE_INVALID_TRANSFER_ENCODING',
  ERR_BAD_CHUNK: 'HPE_INVALID_CHUNK_SIZE',
  ERR_BODY_ABORTED: 'HPE_INVALID_EOF_STATE',
};

export interface ClientError extends Error {
  /** node:http's code for the failure. */
  code: string;
  /** Portico's code (ERR_HEADER_TOO_LARGE...). */
  porticoCode: string;
  /** The status Portico answers it with when no listener does. */
  status: number;
}

export const clientError = (err: HttpError): ClientError =>
  Object.assign(new Error(err.message), {
    code: NODE_CODES[err.code] ?? 'HPE_INVALID_CONSTANT',
    porticoCode: err.code,
    status: err.status,
    cause: err,
  });
