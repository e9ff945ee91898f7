// Reads a Response's init for the light Response (light-response.ts) the way
// Node's Response reads it (undici's WebIDL conversion): `status` is read and
// converted, then `statusText`, then `headers`; a plain object of fields is read
// key by key (every own string key, converted to a ByteString as it is read),
// then its fields are checked. The common shapes are taken in here: no init, a
// whole status in 200–599, a valid reason phrase, fields from a plain object of
// strings and numbers (kept as given: names in their case, values as read, in
// order, for Headers to combine as it does), or a Headers (which the real
// constructor copies from its internal list, so it is handed on). Anything else (a value to convert
// with its own toString, a Proxy, a sequence of pairs, an invalid field) is left
// to the real constructor, given a dictionary that holds what was already read
// and reads the rest from the init itself: it converts, accepts or throws
// exactly as it would have, every getter running once and in its order.

import { types } from 'node:util';
import { isToken } from '../../core/index.js';

/** A response field: [name, value]. */
export type Field = readonly [name: string, value: string];

/** What the init says, read and checked. */
export interface InitParts {
  status: number;
  statusText: string;
  /** Fields of a plain object: names and values as given (valid), in order. */
  fields: Field[];
  /** Or a Headers to copy, as the real constructor does. */
  headers: Headers | null;
}

/** A dictionary for the real constructor: read members as read, the rest still to read. */
export class InitFallback {
  constructor(readonly init: object) {}
}

// RFC 9112 §4: reason-phrase = *( HTAB / SP / VCHAR / obs-text ), as the Fetch standard checks it.
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
// HTTP whitespace, which Headers strips from both ends of a value.
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

const isPlainObject = (x: object): boolean => {
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
};

const isEdgeSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** `value` as Headers keeps it: HTTP whitespace stripped from both ends. */
export const normalizeValue = (value: string): string =>
  value.length > 0 && (isEdgeSpace(value.charCodeAt(0)) || isEdgeSpace(value.charCodeAt(value.length - 1))) ? value.replace(EDGE_WHITESPACE, '') : value;

/** A value Headers accepts: no NUL, CR or LF once normalised (ByteString was checked on reading). */
const isValidValue = (value: string): boolean => {
  const v = normalizeValue(value);
  return !v.includes('\0') && !v.includes('\r') && !v.includes('\n');
};

const hasWideChar = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return true;
  return false;
};

/** The first `count` names read, with their values, as a record (a null-prototype object, so "__proto__" stays an own key). */
const recordOf = (names: readonly string[], values: readonly string[], count: number): Record<string, string> => {
  const record = Object.create(null) as Record<string, string>;
  for (let i = 0; i < count; i++) record[names[i]!] = values[i]!;
  return record;
};

/**
 * Fields of a plain object, or the object for the real constructor to read and
 * judge: the record read so far (a null-prototype object, so that every name
 * stays an own key, "__proto__" too) up to the field that makes it throw. The
 * values are kept in an array as they are read, and the record built only for
 * the real constructor: a null-prototype object is a slow dictionary to fill.
 */
const recordFields = (headers: object): Field[] | object => {
  if (Object.getOwnPropertySymbols(headers).length > 0) return headers;
  const names = Object.getOwnPropertyNames(headers);
  const values: string[] = [];
  let valid = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    // Not a ByteString: the real conversion throws at this name, before reading its value.
    if (hasWideChar(name)) return { ...recordOf(names, values, i), [name]: '' };
    let value = (headers as Record<string, unknown>)[name];
    if (typeof value !== 'string') {
      // A symbol makes the real conversion throw; leave that to it.
      if (typeof value === 'symbol') return { ...recordOf(names, values, i), [name]: value };
      value = String(value);
    }
    values.push(value as string);
    if (hasWideChar(value as string)) return recordOf(names, values, i + 1);
    if (name === '__proto__' || !isToken(name)) valid = false;
  }
  if (!valid) return recordOf(names, values, names.length);
  const fields: Field[] = [];
  for (let i = 0; i < names.length; i++) {
    if (!isValidValue(values[i]!)) return recordOf(names, values, names.length);
    fields.push([names[i]!, values[i]!]);
  }
  return fields;
};

/** The parts of `init` (neither undefined nor null), or what to build the real Response from. */
export const readInit = (init: unknown): InitParts | InitFallback => {
  if ((typeof init !== 'object' && typeof init !== 'function') || types.isProxy(init)) return new InitFallback(init as object);
  const source = init as ResponseInit;
  const status = source.status;
  // The dictionaries handed to the real constructor are made only when it is needed:
  // each holds what was read, and getters that read the rest from `init` when it asks.
  if (status !== undefined && (typeof status !== 'number' || status < 200 || status > 599 || !Number.isInteger(status))) {
    return new InitFallback({
      status,
      get statusText() {
        return source.statusText;
      },
      get headers() {
        return source.headers;
      },
    });
  }
  const statusText = source.statusText;
  if (statusText !== undefined && (typeof statusText !== 'string' || (statusText !== '' && !REASON_PHRASE.test(statusText)))) {
    return new InitFallback({
      status,
      statusText,
      get headers() {
        return source.headers;
      },
    });
  }
  const headers = source.headers;
  const parts: InitParts = { status: status ?? 200, statusText: statusText ?? '', fields: [], headers: null };
  if (headers === undefined) return parts;
  if (typeof headers !== 'object' || headers === null || types.isProxy(headers)) return new InitFallback({ status, statusText, headers });
  if (Object.getPrototypeOf(headers) === Headers.prototype) {
    parts.headers = headers as Headers;
    return parts;
  }
  if (!isPlainObject(headers)) return new InitFallback({ status, statusText, headers });
  const fields = recordFields(headers);
  if (!Array.isArray(fields)) return new InitFallback({ status, statusText, headers: fields });
  parts.fields = fields;
  return parts;
};
