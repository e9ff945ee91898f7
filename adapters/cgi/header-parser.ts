// The CGI header block (RFC 3875 §6.3), parsed without I/O: bytes in, the
// fields and the first body bytes out. Lines end with LF or CRLF (programs use
// both, often mixed); the block ends at the first empty line. The block is
// bounded so a program cannot make the gateway buffer without end, and every
// line must be a well-formed field: a name that is a token immediately followed
// by ":" and a value free of control characters (no CR/LF injection into the
// response head). Continuation lines (obs-fold, RFC 9112 §5.2) are refused, as
// is anything else: a malformed block is the program's error, answered with 502.

import { isFieldValue, isToken } from '../../core/index.js';
import { CgiError } from './cgi-error.js';

export interface CgiHead {
  /** Fields in the order printed, names as printed, values trimmed. */
  fields: Array<[string, string]>;
  /** Bytes after the empty line: the start of the body. */
  rest: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

export class CgiHeaderParser {
  private buffered: Buffer | null = null;
  /** Where the next unparsed line starts in `buffered`. */
  private pos = 0;
  private readonly fields: Array<[string, string]> = [];

  constructor(private readonly maxBytes: number) {}

  /** Feeds stdout bytes; returns the head once the empty line arrived, else null. Throws CgiError. */
  push(chunk: Buffer): CgiHead | null {
    const data = this.buffered === null ? chunk : Buffer.concat([this.buffered, chunk]);
    let pos = this.pos;
    for (let lf = data.indexOf(LF, pos); lf !== -1; lf = data.indexOf(LF, pos)) {
      if (lf >= this.maxBytes) break;
      const end = lf > pos && data[lf - 1] === CR ? lf - 1 : lf;
      if (end === pos) {
        this.buffered = null;
        return { fields: this.fields, rest: data.subarray(lf + 1) };
      }
      this.fields.push(parseField(data, pos, end));
      pos = lf + 1;
    }
    if (data.length >= this.maxBytes) {
      throw new CgiError('ERR_CGI_HEADERS_TOO_LARGE', `CGI header block larger than ${this.maxBytes} bytes`);
    }
    this.pos = pos;
    this.buffered = data;
    return null;
  }

  /** True once some output arrived (a program that stops here printed an incomplete head). */
  get started(): boolean {
    return this.buffered !== null && this.buffered.length > 0;
  }
}

const parseField = (data: Buffer, start: number, end: number): [string, string] => {
  const first = data[start];
  if (first === SP || first === HTAB) throw new CgiError('ERR_CGI_BAD_HEADERS', 'Continuation line in CGI headers');
  const colon = data.indexOf(COLON, start);
  if (colon === -1 || colon >= end) throw new CgiError('ERR_CGI_BAD_HEADERS', `Malformed CGI header line ${quote(data, start, end)}`);
  const name = data.toString('latin1', start, colon);
  if (!isToken(name)) throw new CgiError('ERR_CGI_BAD_HEADERS', `Invalid CGI header name ${quote(data, start, colon)}`);
  let vs = colon + 1;
  let ve = end;
  while (vs < ve && (data[vs] === SP || data[vs] === HTAB)) vs++;
  while (ve > vs && (data[ve - 1] === SP || data[ve - 1] === HTAB)) ve--;
  // latin1 keeps bytes one-to-one; obs-text (0x80-0xFF) is a valid if discouraged value (RFC 9110 §5.5).
  const value = data.toString('latin1', vs, ve);
  if (!isFieldValue(value)) throw new CgiError('ERR_CGI_BAD_HEADERS', `Invalid value for CGI header ${name}`);
  return [name, value];
};

const quote = (data: Buffer, start: number, end: number): string =>
  JSON.stringify(data.toString('latin1', start, Math.min(end, start + 80)));
