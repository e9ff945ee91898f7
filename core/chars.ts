// Byte-class lookup tables for the grammar of RFC 9110 §5.6 and RFC 9112. A table
// lookup per byte keeps validation linear with no regular expressions to
// backtrack on untrusted input.

const table = (accept: (c: number) => boolean): Uint8Array => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = accept(c) ? 1 : 0;
  return t;
};

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

/** tchar (RFC 9110 §5.6.2): the bytes of methods and field names. */
export const TCHAR = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    TCHAR_PUNCT.includes(String.fromCharCode(c)),
);

/** field-vchar, SP and HTAB (RFC 9110 §5.5): no CTLs (NUL, CR, LF...), no DEL. */
export const FIELD_VALUE_CHAR = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** Bytes allowed in a request-target: visible ASCII only (RFC 3986 plus a tolerance for
 *  unescaped characters such as `|` or `{` that real clients send), but never "#": a
 *  request-target has no fragment (RFC 9112 §3.2), and "/public#/../admin" would route
 *  to /admin here while a hop that drops the fragment routes /public. */
export const TARGET_CHAR = table((c) => c > 0x20 && c < 0x7f && c !== 0x23);

export const HEX_VALUE = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c;
    t[0x61 + c] = 10 + c;
  }
  return t;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** True when every char of `s` is a tchar (used for app-supplied header names). */
export const isToken = (s: string): boolean => {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
};

/** True when `s` is a valid field value (what may be written after `Name: `). */
export const isFieldValue = (s: string): boolean => fieldValueKind(s) !== FieldValueKind.Invalid;

export const enum FieldValueKind {
  Invalid,
  Ascii,
  /** Valid, with obs-text (0x80-0xFF): must be written as latin1, not UTF-8. */
  Latin1,
}

export const fieldValueKind = (s: string): FieldValueKind => {
  let kind = FieldValueKind.Ascii;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE_CHAR[c] === 0) return FieldValueKind.Invalid;
    if (c > 0x7f) kind = FieldValueKind.Latin1;
  }
  return kind;
};

// Buffer#latin1Slice is the native routine behind toString('latin1'), without the
// encoding lookup and argument checks: the head parser calls it for every field.
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };
export const latin1 = (buf: Buffer, start: number, end: number): string =>
  (buf as Latin1Buffer).latin1Slice(start, end);
