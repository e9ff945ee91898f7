// One field line (RFC 9112 §5): field-name ":" OWS field-value OWS, validated byte
// by byte against the tchar and field-vchar tables. Used for header and trailer
// sections alike. No whitespace may stand before the colon (§5.1: 400), a line
// may not start with whitespace (obs-fold, §5.2: rejected with 400), and values
// may hold no CTL but HTAB, which rules out NUL and bare CR.

import { badRequest } from './errors.js';
import { COLON, FIELD_VALUE_CHAR, HTAB, SP, TCHAR, latin1 } from './chars.js';

export interface FieldLine {
  name: string;
  value: string;
}

/** Parses buf[start, end) (the line without its CRLF) into `out`; throws HttpError 400. */
export const parseFieldLine = (buf: Buffer, start: number, end: number, out: FieldLine): void => {
  const first = buf[start];
  if (first === SP || first === HTAB) {
    throw badRequest('ERR_OBS_FOLD', 'Line folding (obs-fold) or whitespace before a field name');
  }
  let i = start;
  while (i < end && TCHAR[buf[i]!] === 1) i++;
  if (i === start || i === end || buf[i] !== COLON) {
    throw badRequest('ERR_BAD_HEADER', 'Invalid header field name or missing colon');
  }
  const name = latin1(buf, start, i);
  let v = i + 1;
  while (v < end && (buf[v] === SP || buf[v] === HTAB)) v++;
  let e = end;
  while (e > v && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
  for (let j = v; j < e; j++) {
    if (FIELD_VALUE_CHAR[buf[j]!] === 0) {
      throw badRequest('ERR_BAD_HEADER', `Invalid byte 0x${buf[j]!.toString(16)} in header field value`);
    }
  }
  out.name = name;
  out.value = v === e ? '' : latin1(buf, v, e);
};
