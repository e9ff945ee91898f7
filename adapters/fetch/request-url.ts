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
// serialisation), without parsing in the common case: the scheme and host of
// the last request that serialised to themselves (remembered, and compared
// before any string is built), and a target of characters the URL parser keeps
// as they are, with no dot-segment. Anything else goes through
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

// Path and query characters ("?" included) the URL parser neither encodes nor
// rewrites for http(s). It encodes ' in a special URL's query, so that is left
// to the parser.
const PLAIN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~!$&()*+,;=:@%/?') PLAIN[c.charCodeAt(0)] = 1;
// "." or ".." segments, also percent-encoded: the parser resolves them.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

/** The target ("/...") is serialised by the URL parser exactly as it is. */
const isPlainTarget = (target: string): boolean => {
  let maybeDots = false;
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c >= 128 || PLAIN[c] === 0) return false;
    // "/." or "/%": only then can there be a dot-segment.
    if ((c === 0x2e || c === 0x25) && target.charCodeAt(i - 1) === 0x2f) maybeDots = true;
  }
  return !maybeDots || !DOT_SEGMENT.test(target);
};

// The last scheme and authority seen, and their origin when it serialises to itself.
let lastScheme = '';
let lastAuthority = '';
let lastOrigin = '';

/** scheme://authority when it serialises to itself (the last one that did is remembered), else null. */
const canonicalOrigin = (scheme: string, authority: string): string | null => {
  if (authority === lastAuthority && scheme === lastScheme) return lastOrigin;
  const origin = scheme + '://' + authority;
  let href: string;
  try {
    href = new URL(origin + '/').href;
  } catch {
    return null;
  }
  if (href !== origin + '/') return null;
  lastScheme = scheme;
  lastAuthority = authority;
  lastOrigin = origin;
  return origin;
};

const serialize = (scheme: string, authority: string, target: string): string => {
  const origin = canonicalOrigin(scheme, authority);
  if (origin !== null && isPlainTarget(target)) return origin + target;
  return new URL(scheme + '://' + authority + target).href;
};

/** The request's absolute URL, serialised as Request would; throws TypeError when it cannot be parsed. */
export const requestUrl = (env: Env, stripPrefix: boolean): string => {
  const target = env.target;
  if (target.charCodeAt(0) === 0x2f /* / */) {
    return serialize(env.scheme, authorityOf(env), !stripPrefix || env.scriptName === '' ? target : strippedPath(env));
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
