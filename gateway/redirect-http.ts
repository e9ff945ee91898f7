// The HTTP-to-HTTPS redirect listener (`redirectHttp`, `--redirect-http PORT`):
// a second, plain listener whose only app answers every request with a 308 to
// the same path and query on the HTTPS server, as nginx's
// `return 301 https://$host$request_uri;` does (308 rather than 301 so that a
// POST stays a POST, RFC 9110 §15.4.9). It runs on Portico's own engine, so
// framing, limits and timeouts are the main server's. The host comes from the
// request (Host, or an absolute-form target) and is checked as a host name or IP
// literal before it goes into Location: a forged Host cannot smuggle a path,
// credentials or a header into the redirect. The port is the HTTPS server's own
// (or `httpsPort` when a NAT or container maps it), left out when it is 443.

import type { App, Env } from '../adapters/env.js';
import { ConfigError } from './config-error.js';

export interface RedirectHttpOptions {
  /** The plain HTTP port to listen on (80; 0 picks a free one). */
  port: number;
  /** Address to bind; default the HTTPS server's host. */
  host?: string;
  /** The HTTPS port clients reach, when it is not the one this server listens on (port mapping). */
  httpsPort?: number;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
/** A DNS name (labels of letters, digits, hyphens; underscores for internal names) or an IPv4 address. */
const REG_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}\\.?$`, 'i');
/** An IPv6 literal in brackets (RFC 3986 §3.2.2), without a zone. */
const IP_LITERAL = /^\[[0-9a-f:.]{2,45}\]$/i;

/** The host for Location, or null when it is not a plain host name or IP literal. */
export const redirectHost = (serverName: string): string | null => {
  // The local address stands in when an HTTP/1.0 request had no Host: an IPv6 one needs brackets.
  const host = serverName.includes(':') && !serverName.startsWith('[') ? `[${serverName}]` : serverName;
  if (host.length > 255) return null;
  return REG_NAME.test(host) || IP_LITERAL.test(host) ? host.toLowerCase() : null;
};

/** The path and query as the client sent them (origin-form), from any target form. */
const pathAndQuery = (env: Env): string => {
  const target = env.target;
  if (target.startsWith('/')) return target;
  if (target === '*') return '/';
  // absolute-form: what follows the authority.
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  const rest = m === null ? '' : target.slice(m[0].length);
  return rest.startsWith('/') ? rest : '/' + rest;
};

/** The redirect app; `httpsPort()` is read per request (the HTTPS port may be chosen at listen time). */
export const redirectApp = (httpsPort: () => number): App => (env) => {
  const host = redirectHost(env.serverName);
  if (host === null) {
    return { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Invalid Host header\n' };
  }
  const port = httpsPort();
  const location = `https://${host}${port === 443 ? '' : ':' + port}${pathAndQuery(env)}`;
  return {
    status: 308,
    headers: { location, 'content-type': 'text/plain; charset=utf-8' },
    body: `Moved to ${location}\n`,
  };
};

/** Checks `redirectHttp` as serve() takes it: a port or { port, host, httpsPort }. */
export const redirectOptions = (value: number | RedirectHttpOptions): RedirectHttpOptions => {
  const o = typeof value === 'number' ? { port: value } : value;
  const isPort = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (o === null || typeof o !== 'object' || !isPort(o.port)) throw new ConfigError('redirectHttp: needs a port from 0 to 65535');
  if (o.httpsPort !== undefined && (!isPort(o.httpsPort) || o.httpsPort === 0)) throw new ConfigError('redirectHttp.httpsPort: must be a port from 1 to 65535');
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host === '')) throw new ConfigError('redirectHttp.host: must be an address');
  return o;
};
