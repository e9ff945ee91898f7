// Header rewriting for the reverse proxy. Hop-by-hop fields belong to one
// connection and are never forwarded, either way (RFC 9110 §7.6.1): the fixed
// list below plus every field the Connection field names. Inbound requests
// gain the client's identity: X-Forwarded-For (appended to what an earlier
// proxy wrote), X-Forwarded-Proto, X-Forwarded-Host, the standard Forwarded
// (RFC 7239, appended) and Via (RFC 9110 §7.6.3, which a gateway must send).

import type { Env } from '../env.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Credentials meant for Portico as a proxy, never for the upstream.
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Lower-cased names of the fields the Connection field lists (its "connection options"). */
export const connectionOptions = (connection: string | readonly string[] | undefined): Set<string> | null => {
  if (connection === undefined) return null;
  const text = typeof connection === 'string' ? connection : connection.join(',');
  const names = new Set<string>();
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names;
};

export const isHopByHop = (lowerName: string, listed: Set<string> | null): boolean =>
  HOP_BY_HOP.has(lowerName) || (listed !== null && listed.has(lowerName));

export interface ForwardOptions {
  /** Keep the client's Host (else the upstream's host:port). */
  preserveHost: boolean;
  /** The upstream's authority, for Host when not preserved. */
  upstreamHost: string;
  /** Token for Via ("1.1 <via>"); null to send none. */
  via: string | null;
}

/** Fields the proxy itself sets; a client's copies are dropped (or, for the lists, appended to). */
const REWRITTEN = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'via', 'expect', 'content-length']);

/**
 * The fields to send upstream, as a flat [name, value, ...] list in arrival
 * order and case. `upgrade` keeps Connection/Upgrade (for the WebSocket tunnel).
 */
export const requestFields = (env: Env, options: ForwardOptions, upgrade: boolean): string[] => {
  const raw = env.rawHeaders;
  const listed = connectionOptions(env.headers['connection']);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (REWRITTEN.has(lower) || isHopByHop(lower, listed)) continue;
    out.push(name, raw[i + 1]!);
  }
  const host = env.headers['host'] ?? '';
  out.push('host', options.preserveHost && host !== '' ? host : options.upstreamHost);
  // The body's length as the engine knows it (the transfer coding is gone): chunked upstream when unknown.
  if (env.body.length > 0) out.push('content-length', String(env.body.length));
  const prior = env.headers['x-forwarded-for'];
  out.push('x-forwarded-for', prior ? prior + ', ' + env.remoteAddress : env.remoteAddress);
  out.push('x-forwarded-proto', env.scheme);
  if (host !== '') out.push('x-forwarded-host', host);
  const forwarded = forwardedElement(env, host);
  const priorForwarded = env.headers['forwarded'];
  out.push('forwarded', priorForwarded ? priorForwarded + ', ' + forwarded : forwarded);
  if (options.via !== null) {
    const via = `${env.protocol.slice(5)} ${options.via}`;
    const priorVia = env.headers['via'];
    out.push('via', priorVia ? priorVia + ', ' + via : via);
  }
  if (upgrade) out.push('connection', 'upgrade', 'upgrade', env.headers['upgrade'] ?? '');
  return out;
};

/** RFC 7239 §4: for=...;proto=...;host=... with IPv6 and unusual values quoted. */
const forwardedElement = (env: Env, host: string): string => {
  const addr = env.remoteAddress;
  const node = addr.includes(':') ? `"[${addr}]"` : addr === '' ? 'unknown' : addr;
  let element = `for=${node};proto=${env.scheme}`;
  if (host !== '') element += ';host=' + (/^[A-Za-z0-9.\-_~]+$/.test(host) ? host : `"${host.replace(/["\\]/g, '\\$&')}"`);
  return element;
};

/** Response fields from undici's parsed headers, minus the hop-by-hop ones. */
export const responseFields = (headers: Record<string, string | string[] | undefined>): Array<[string, string]> => {
  const listed = connectionOptions(headers['connection']);
  const out: Array<[string, string]> = [];
  for (const name in headers) {
    if (isHopByHop(name, listed)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push([name, value]);
    else for (const v of value) out.push([name, v]);
  }
  return out;
};
