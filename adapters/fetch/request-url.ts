// The absolute URL a Fetch handler sees. Fetch handlers route on absolute URLs,
// so the URL is rebuilt the way a browser would have written it: the scheme of
// the listener, the authority the client addressed and the target as received.
// RFC 9112 §3.2.2: an absolute-form target wins over Host, so it is used as is.
// RFC 9112 §3.2: an HTTP/1.0 request may lack Host; the server's own name and
// port stand in (env.serverName/serverPort are the local address then).
// With `stripPrefix` the mount prefix is left out of the path, for apps written
// to live at the root.
//
// The result is what `new Request(url).url` would give (the WHATWG URL
// serialisation), without parsing in the common case: a host already seen to
// serialise to itself (one remembered), and a target of characters the URL
// parser keeps as they are, with no dot-segment. Anything else goes through
// `new URL()` (which throws TypeError for what cannot be parsed: a 400).

import type { Env } from '../env.js';

/** "host[:port]" the client addressed, or the server's own address. */
const authorityOf = (env: Env): string => {
  const host = env.headers['host'];
  if (host !== undefined) return host;
  const name = env.serverName.includes(':') ? '[' + env.serverName + ']' : env.serverName;
  return name + ':' + env.serverPort;
};

const isAbsoluteForm = (target: string): boolean => {
  const c = target.charCodeAt(0);
  // "http://" or "https://", in any case (RFC 3986 §3.1: schemes are case-insensitive).
  return (c === 0x68 || c === 0x48) && /^https?:\/\//i.test(target);
};

// Path and query characters the URL parser neither encodes nor rewrites for
// http(s) (it encodes ' in a special URL's query, so it is left to the parser).
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@%/]*(?:\?[\w\-.~!$&()*+,;=:@%/?]*)?$/;
// "." or ".." segments, also percent-encoded: the parser resolves them.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

let canonicalOrigin = '';

/** scheme://authority, when it serialises to itself (the last one that did is remembered). */
const isCanonicalOrigin = (origin: string): boolean => {
  if (origin === canonicalOrigin) return true;
  let href: string;
  try {
    href = new URL(origin + '/').href;
  } catch {
    return false;
  }
  if (href !== origin + '/') return false;
  canonicalOrigin = origin;
  return true;
};

const serialize = (origin: string, target: string): string => {
  const url = origin + target;
  if (isCanonicalOrigin(origin) && PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target)) return url;
  return new URL(url).href;
};

/** The request's absolute URL, serialised as Request would; throws TypeError when it cannot be parsed. */
export const requestUrl = (env: Env, stripPrefix: boolean): string => {
  const target = env.target;
  if (target.charCodeAt(0) === 0x2f /* / */) {
    const origin = env.scheme + '://' + authorityOf(env);
    return serialize(origin, !stripPrefix || env.scriptName === '' ? target : strippedPath(env));
  }
  if (isAbsoluteForm(target)) {
    if (!stripPrefix || env.scriptName === '') return new URL(target).href;
    return new URL(new URL(target).origin + strippedPath(env)).href;
  }
  // Asterisk- and authority-form (OPTIONS *, CONNECT host:port) name no path.
  return new URL(env.scheme + '://' + authorityOf(env) + '/').href;
};

const strippedPath = (env: Env): string =>
  (env.rawPathInfo === '' ? '/' : env.rawPathInfo) + (env.queryString === '' ? '' : '?' + env.queryString);
