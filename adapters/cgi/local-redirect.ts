// Local redirects (RFC 3875 §6.2.2): a program that prints only
// `Location: /some/path` asks the server to answer as if the client had
// requested that path with GET. The adapter cannot reach the gateway's router,
// so it re-dispatches through the same cgiApp: the path must lie under the
// mount (else the caller falls back to a client redirect). The path is decoded
// and its dot-segments resolved exactly as the gateway does for requests
// (segment by segment, "%2F" and "%25" kept encoded, never above "/"), and the
// new request carries the original fields minus those describing a body.

import { RequestBody } from '../../core/index.js';
import type { Env } from '../env.js';

const KEEP_ENCODED = /%2[fF5]/g;
const BODY_FIELDS = new Set(['content-length', 'content-type', 'transfer-encoding', 'content-encoding']);

const decodeSegment = (segment: string): string | null => {
  if (segment.indexOf('%') === -1) return segment;
  try {
    const decoded = decodeURIComponent(segment.replace(KEEP_ENCODED, (m) => '%25' + m.slice(1).toUpperCase()));
    return decoded.indexOf('\0') === -1 ? decoded : null;
  } catch {
    return null;
  }
};

/** Decoded and raw forms of a normalised path, or null when it cannot be decoded. */
export const normalizeLocalPath = (raw: string): { path: string; rawPath: string } | null => {
  const segments = raw.split('/');
  const decoded: string[] = [];
  const encoded: string[] = [];
  const last = segments.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i]!;
    const d = decodeSegment(segment);
    if (d === null) return null;
    if (d === '.' || d === '..') {
      if (d === '..') {
        decoded.pop();
        encoded.pop();
      }
      if (i === last) {
        decoded.push('');
        encoded.push('');
      }
      continue;
    }
    decoded.push(d);
    encoded.push(segment);
  }
  return { path: '/' + decoded.join('/'), rawPath: '/' + encoded.join('/') };
};

/** The env of the GET that `location` asks for, or null when it is not under this mount. */
export const redirectEnv = (env: Env, location: string): Env | null => {
  const hash = location.indexOf('#');
  const target = hash === -1 ? location : location.slice(0, hash);
  const q = target.indexOf('?');
  const normalized = normalizeLocalPath(q === -1 ? target : target.slice(0, q));
  if (normalized === null) return null;
  const prefix = env.scriptName;
  const { path, rawPath } = normalized;
  if (prefix !== '' && !(path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f))) {
    return null;
  }
  const headers: Record<string, string> = {};
  for (const name in env.headers) if (!BODY_FIELDS.has(name)) headers[name] = env.headers[name]!;
  const rawHeaders: string[] = [];
  for (let i = 0; i < env.rawHeaders.length; i += 2) {
    if (!BODY_FIELDS.has(env.rawHeaders[i]!.toLowerCase())) rawHeaders.push(env.rawHeaders[i]!, env.rawHeaders[i + 1]!);
  }
  const depth = prefix === '' ? 0 : prefix.split('/').length - 1;
  return {
    ...env,
    method: 'GET',
    pathInfo: path.slice(prefix.length),
    rawPathInfo: skipSegments(rawPath, depth),
    queryString: q === -1 ? '' : target.slice(q + 1),
    target,
    headers,
    rawHeaders,
    body: new RequestBody(0, 0),
  };
};

const skipSegments = (rawPath: string, segments: number): string => {
  let at = 0;
  for (let k = 0; k < segments; k++) {
    const next = rawPath.indexOf('/', at + 1);
    if (next === -1) return '';
    at = next;
  }
  return rawPath.slice(at);
};
