// Serialises a response head (status line and fields) from what the app gave,
// refusing anything that could break the framing: names must be tokens, values
// must hold no CR, LF, NUL or other CTL (RFC 9110 §5.5), and the status must be
// three digits. The framing fields (Content-Length, Transfer-Encoding,
// Connection, Keep-Alive) are the engine's: it reads the app's intent from them
// and writes its own. The returned text still lacks those fields and the final
// CRLF; the response adds them once the framing is chosen.

import { appError } from './errors.js';
import { FieldValueKind, fieldValueKind, isFieldValue, isToken } from './chars.js';
import { statusText } from './status-text.js';

export type HeaderValue = string | number | readonly string[] | undefined;
/** Response fields: a record, or [name, value] pairs (several Set-Cookie, order kept). */
export type OutgoingHeaders = Readonly<Record<string, HeaderValue>> | ReadonlyArray<readonly [string, string]>;

export interface ResponseHead {
  /** Status line and the app's fields, each line ended by CRLF. */
  text: string;
  /** The app's Content-Length, or -1. */
  declaredLength: number;
  /** The app asked for chunked coding (Transfer-Encoding: chunked, or a Trailer field). */
  wantsChunked: boolean;
  /** The app asked to close the connection after this response. */
  wantsClose: boolean;
  /** The app set its own Date. */
  hasDate: boolean;
  /** The text is pure ASCII, so it may share a UTF-8 write with a string body. */
  ascii: boolean;
}

const STATUS_LINES = new Map<number, string>();

const statusLine = (status: number, reason: string | undefined): string => {
  if (reason === undefined) {
    let line = STATUS_LINES.get(status);
    if (line === undefined) {
      line = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
      STATUS_LINES.set(status, line);
    }
    return line;
  }
  if (!isFieldValue(reason)) throw appError('ERR_INVALID_STATUS', 'Invalid reason phrase');
  return `HTTP/1.1 ${status} ${reason}\r\n`;
};

export const isValidStatus = (status: number): boolean =>
  Number.isInteger(status) && status >= 100 && status <= 999;

export const serializeHead = (status: number, headers: OutgoingHeaders | undefined, reason?: string): ResponseHead => {
  if (!isValidStatus(status)) throw appError('ERR_INVALID_STATUS', `Invalid status code ${String(status)}`);
  const head: ResponseHead = { text: statusLine(status, reason), declaredLength: -1, wantsChunked: false, wantsClose: false, hasDate: false, ascii: true };
  if (headers === undefined) return head;
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, string]>) addField(head, pair[0], pair[1]);
  } else {
    const record = headers as Readonly<Record<string, HeaderValue>>;
    for (const name in record) {
      const value = record[name];
      if (value === undefined) continue;
      if (typeof value === 'string') addField(head, name, value);
      else if (typeof value === 'number') addField(head, name, String(value));
      else for (const v of value) addField(head, name, v);
    }
  }
  return head;
};

const addField = (head: ResponseHead, name: string, value: string): void => {
  if (!isToken(name)) throw appError('ERR_INVALID_HEADER', `Invalid header name ${JSON.stringify(name)}`);
  const kind = typeof value === 'string' ? fieldValueKind(value) : FieldValueKind.Invalid;
  if (kind === FieldValueKind.Invalid) throw appError('ERR_INVALID_HEADER', `Invalid value for header ${name}`);
  if (kind === FieldValueKind.Latin1) head.ascii = false;
  // Only names of the framing fields' lengths are lower-cased and compared.
  switch (name.length) {
    case 14:
      if (name.toLowerCase() === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw appError('ERR_INVALID_HEADER', 'Invalid Content-Length');
        head.declaredLength = Number(value);
        return;
      }
      break;
    case 17:
      if (name.toLowerCase() === 'transfer-encoding') {
        if (value.toLowerCase().includes('chunked')) head.wantsChunked = true;
        return;
      }
      break;
    case 10: {
      const lower = name.toLowerCase();
      if (lower === 'connection') {
        if (/(^|[\s,])close($|[\s,])/i.test(value)) head.wantsClose = true;
        return;
      }
      if (lower === 'keep-alive') return;
      break;
    }
    case 7:
      if (name.toLowerCase() === 'trailer') head.wantsChunked = true;
      break;
    case 4:
      if (name.toLowerCase() === 'date') head.hasDate = true;
      break;
  }
  head.text += name + ': ' + value + '\r\n';
};
