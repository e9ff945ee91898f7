// Local redirects (RFC 3875 §6.2.2): a program that prints only
// `Location: /some/path` asks the server to answer as if the client had
// requested that path with GET. The adapter cannot reach the gateway's router,
// so it re-dispatches through the same cgiApp: the path must lie under the
// mount (else the caller falls back to a client redirect). The path is decoded
// and its dot-segments resolved exactly as the gateway does for requests
// (segment by segment, "%2F" and "%25" kept encoded, never above "/"), and the
// new request carries the original fields minus those describing a body.

import { BadPathError, RequestBody, normalizePath, skipSegments, type NormalizedPath } from '../../core/index.js';
import type { Env } from '../env.js';

const BODY_FIELDS = new Set(['content-length', 'content-type', 'transfer-encoding', 'content-encoding']);

/** Decoded and raw forms of a normalised path, or null when it cannot be decoded. */
export const normalizeLocalPath = (raw: string): NormalizedPath | null => {
  try {
    return normalizePath(raw);
  } catch (err) {
    if (err instanceof BadPathError) return null;
    throw err;
  }
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

