// Validators and conditional requests. The ETag is strong and built from the
// representation's size and modification time (as nginx does), with the
// content coding appended for a precompressed sibling so that each
// representation has its own tag (RFC 9110 §8.8.3.3). Preconditions are
// evaluated in the order RFC 9110 §13.2.2 prescribes: If-Match, else
// If-Unmodified-Since (412); then If-None-Match, else If-Modified-Since (304 for
// GET and HEAD); If-Range is evaluated separately, by the range code, last.

import { parseHttpDate } from './http-date.js';

export const PROCEED = 0;
export type PreconditionResult = typeof PROCEED | 304 | 412;

export const makeEtag = (size: number, mtimeMs: number, coding: string | null): string => {
  const tag = size.toString(16) + '-' + Math.floor(mtimeMs).toString(16);
  return coding === null ? '"' + tag + '"' : '"' + tag + '-' + coding + '"';
};

/** Last-Modified in whole seconds, as the field carries it. */
export const lastModifiedSeconds = (mtimeMs: number): number => Math.floor(mtimeMs / 1000);

/**
 * Whether the entity-tag list `field` (If-Match / If-None-Match syntax, RFC 9110
 * §8.8.3) names `etag`. Strong comparison ignores weak tags; weak comparison
 * compares the opaque tags only (§8.8.3.2). "*" matches any current representation.
 */
export const etagListMatches = (field: string, etag: string | null, weak: boolean): boolean => {
  const text = field.trim();
  if (text === '*') return true;
  if (etag === null) return false;
  let at = 0;
  const length = text.length;
  while (at < length) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 9 || c === 44) {
      at++;
      continue;
    }
    let isWeak = false;
    if (c === 87 && text.charCodeAt(at + 1) === 47) {
      isWeak = true;
      at += 2;
    }
    if (text.charCodeAt(at) !== 34) return false; // not an entity-tag: the field is invalid, nothing matches
    const close = text.indexOf('"', at + 1);
    if (close === -1) return false;
    if ((weak || !isWeak) && close + 1 - at === etag.length && text.startsWith(etag, at)) return true;
    at = close + 1;
  }
  return false;
};

/** RFC 9110 §13.2.2, steps 1 to 4. `etag` is null when ETags are off. */
export const evaluatePreconditions = (
  headers: Readonly<Record<string, string>>,
  isGetOrHead: boolean,
  etag: string | null,
  modified: number,
): PreconditionResult => {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag, false)) return 412;
  } else {
    const ifUnmodifiedSince = headers['if-unmodified-since'];
    if (ifUnmodifiedSince !== undefined) {
      const date = parseHttpDate(ifUnmodifiedSince);
      // §13.1.4: an invalid date is ignored.
      if (date === date && modified > date) return 412;
    }
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag, true)) return isGetOrHead ? 304 : 412;
  } else if (isGetOrHead) {
    const ifModifiedSince = headers['if-modified-since'];
    if (ifModifiedSince !== undefined) {
      const date = parseHttpDate(ifModifiedSince);
      if (date === date && modified <= date) return 304;
    }
  }
  return PROCEED;
};
