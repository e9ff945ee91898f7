// What a program's header block asks for (RFC 3875 §6.2): a document (status
// from `Status`, default 200), a local redirect (a `Location` that is a path,
// printed alone: the server answers as if that path had been requested, §6.2.2),
// or a client redirect (any other `Location`: 302 unless `Status` says
// otherwise, §6.2.3 and §6.2.4). The hop-by-hop and framing fields a program may
// print (Transfer-Encoding, Connection, Keep-Alive) are dropped: framing is the
// engine's. A valid Content-Length is kept, because the engine enforces it (a
// body longer or shorter than declared cuts the connection, never desyncs it).

import { CgiError } from './cgi-error.js';

export type CgiAnswer =
  | { kind: 'local-redirect'; location: string }
  | { kind: 'document'; status: number; reason: string | undefined; headers: Array<[string, string]> };

const STATUS = /^([1-9]\d\d)(?:[ \t]+(.*))?$/;
const DIGITS = /^\d{1,15}$/;

export const interpretHead = (fields: ReadonlyArray<[string, string]>): CgiAnswer => {
  let status: number | undefined;
  let reason: string | undefined;
  let location: string | undefined;
  let contentLength: string | undefined;
  const headers: Array<[string, string]> = [];
  for (const field of fields) {
    const [name, value] = field;
    switch (name.toLowerCase()) {
      case 'status': {
        const m = STATUS.exec(value);
        if (m === null || status !== undefined) throw new CgiError('ERR_CGI_BAD_HEADERS', `Invalid CGI Status ${JSON.stringify(value)}`);
        status = Number(m[1]);
        // A final response only: 1xx would leave the client waiting for another.
        if (status < 200) throw new CgiError('ERR_CGI_BAD_HEADERS', `CGI Status ${status} is not a final status`);
        reason = m[2] === undefined || m[2] === '' ? undefined : m[2];
        continue;
      }
      case 'location':
        if (location !== undefined || value === '') throw new CgiError('ERR_CGI_BAD_HEADERS', 'Empty or repeated CGI Location');
        location = value;
        break;
      case 'content-length':
        if (!DIGITS.test(value) || (contentLength !== undefined && contentLength !== value)) {
          throw new CgiError('ERR_CGI_BAD_HEADERS', `Invalid CGI Content-Length ${JSON.stringify(value)}`);
        }
        if (contentLength !== undefined) continue;
        contentLength = value;
        break;
      case 'transfer-encoding':
      case 'connection':
      case 'keep-alive':
        continue;
    }
    headers.push(field);
  }
  if (location !== undefined) {
    if (status === undefined && fields.length === 1 && isLocalPath(location)) return { kind: 'local-redirect', location };
    status ??= 302;
  }
  return { kind: 'document', status: status ?? 200, reason, headers };
};

/** A local-Location (RFC 3875 §6.2.2): an abs-path, not a network-path ("//host"). */
export const isLocalPath = (location: string): boolean =>
  location.charCodeAt(0) === 0x2f && location.charCodeAt(1) !== 0x2f;
