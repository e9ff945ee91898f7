// The absolute URL a Fetch handler sees. Fetch handlers route on absolute URLs,
// so the URL is rebuilt the way a browser would have written it: the scheme of
// the listener, the authority the client addressed and the target as received.
// RFC 9112 §3.2.2: an absolute-form target wins over Host, so it is used as is.
// RFC 9112 §3.2: an HTTP/1.0 request may lack Host; the server's own name and
// port stand in (env.serverName/serverPort are the local address then).
// With `stripPrefix` the mount prefix is left out of the path, for apps written
// to live at the root.

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

export const requestUrl = (env: Env, stripPrefix: boolean): string => {
  const target = env.target;
  if (target.charCodeAt(0) === 0x2f /* / */) {
    if (!stripPrefix || env.scriptName === '') return env.scheme + '://' + authorityOf(env) + target;
    return env.scheme + '://' + authorityOf(env) + strippedPath(env);
  }
  if (isAbsoluteForm(target)) {
    if (!stripPrefix || env.scriptName === '') return target;
    return new URL(target).origin + strippedPath(env);
  }
  // Asterisk- and authority-form (OPTIONS *, CONNECT host:port) name no path.
  return env.scheme + '://' + authorityOf(env) + '/';
};

const strippedPath = (env: Env): string =>
  (env.rawPathInfo === '' ? '/' : env.rawPathInfo) + (env.queryString === '' ? '' : '?' + env.queryString);
