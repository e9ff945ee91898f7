// Request paths, decoded once and normalised before routing (the gateway) or a
// CGI local redirect (the cgi adapter). Each segment is
// percent-decoded on its own, so "%2F" cannot split a segment (it stays "%2F",
// and "%25" stays "%25" so the result is unambiguous); "." and ".." segments,
// encoded or not, are resolved (RFC 3986 §5.2.4) and never climb above "/".
// The encoded form of the same normalised path is kept for apps that route on
// raw paths (Express). Invalid escapes or UTF-8 are a 400, and so is an encoded NUL.

import { HttpError } from './errors.js';

export interface NormalizedPath {
  /** Decoded path ("%2F" and "%25" kept encoded), starting with "/". */
  path: string;
  /** The same segments still encoded. */
  rawPath: string;
}

/** A path that cannot be decoded: 400 (ERR_BAD_PATH). */
export class BadPathError extends HttpError {
  override readonly name = 'BadPathError';
  constructor(message: string) {
    super('ERR_BAD_PATH', 400, message);
  }
}

const KEEP_ENCODED = /%2[fF5]/g;

export const decodeSegment = (segment: string): string => {
  if (segment.indexOf('%') === -1) return segment;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment.replace(KEEP_ENCODED, (m) => '%25' + m.slice(1).toUpperCase()));
  } catch {
    throw new BadPathError('Invalid percent-encoding in path');
  }
  if (decoded.indexOf('\0') !== -1) throw new BadPathError('NUL in path');
  return decoded;
};

export const normalizePath = (raw: string): NormalizedPath => {
  // Fast path: nothing to decode and no dot-segment.
  if (raw.indexOf('%') === -1 && raw.indexOf('/.') === -1) return { path: raw, rawPath: raw };
  const segments = raw.split('/');
  const outRaw: string[] = [];
  const outDecoded: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i]!;
    const decoded = decodeSegment(segment);
    if (decoded === '.' || decoded === '..') {
      if (decoded === '..') {
        outRaw.pop();
        outDecoded.pop();
      }
      if (i === last) {
        outRaw.push('');
        outDecoded.push('');
      }
      continue;
    }
    outRaw.push(segment);
    outDecoded.push(decoded);
  }
  return { path: '/' + outDecoded.join('/'), rawPath: '/' + outRaw.join('/') };
};

/** The part of `rawPath` after its first `segments` segments ("" or starting with "/"). */
export const skipSegments = (rawPath: string, segments: number): string => {
  let at = 0;
  for (let k = 0; k < segments; k++) {
    const next = rawPath.indexOf('/', at + 1);
    if (next === -1) return '';
    at = next;
  }
  return rawPath.slice(at);
};
