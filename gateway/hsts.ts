// HTTP Strict Transport Security (RFC 6797), as the `hsts` option: the server
// adds `Strict-Transport-Security` to every response it sends over TLS, its own
// error pages included (nginx's `add_header ... always`), and never over plain
// HTTP, where a browser must ignore it anyway (§8.1; §7.2 says not to send it).
// An app that sets the field itself keeps its value. The field is added by
// wrapping each response's writeHead, and only on servers that turn HSTS on,
// so a server without it pays nothing.

import type { OutgoingHeaders, OutgoingResponse } from '../core/index.js';
import { ConfigError } from './config-error.js';

export interface HstsOptions {
  /** Seconds the browser keeps to HTTPS. Default 31536000 (a year). */
  maxAge?: number;
  /** The policy covers every subdomain too. Default false. */
  includeSubDomains?: boolean;
  /** Ask to be put on browsers' preload list (needs includeSubDomains and a year or more). Default false. */
  preload?: boolean;
}

const YEAR = 31_536_000;

/** The field value for `hsts` (true, a max-age, or options); throws a ConfigError on a bad one. */
export const hstsValue = (hsts: true | number | HstsOptions): string => {
  const o: HstsOptions = hsts === true ? {} : typeof hsts === 'number' ? { maxAge: hsts } : hsts;
  if (o === null || typeof o !== 'object') throw new ConfigError('hsts: must be true, a max-age in seconds, or { maxAge, includeSubDomains, preload }');
  const maxAge = o.maxAge ?? YEAR;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new ConfigError(`hsts.maxAge: must be a whole number of seconds, got ${String(o.maxAge)}`);
  // hstspreload.org refuses a preload request without both; sending one would only mislead.
  if (o.preload === true && (o.includeSubDomains !== true || maxAge < YEAR)) {
    throw new ConfigError('hsts.preload: needs includeSubDomains and a maxAge of at least 31536000 (one year)');
  }
  return `max-age=${maxAge}${o.includeSubDomains === true ? '; includeSubDomains' : ''}${o.preload === true ? '; preload' : ''}`;
};

const hasField = (headers: OutgoingHeaders, name: string): boolean => {
  if (Array.isArray(headers)) return (headers as ReadonlyArray<readonly [string, string]>).some(([n]) => n.toLowerCase() === name);
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return true;
  return false;
};

const withField = (headers: OutgoingHeaders | undefined, value: string): OutgoingHeaders => {
  if (headers === undefined) return { 'strict-transport-security': value };
  if (hasField(headers, 'strict-transport-security')) return headers;
  if (Array.isArray(headers)) return [...(headers as ReadonlyArray<readonly [string, string]>), ['strict-transport-security', value]];
  return { ...(headers as Record<string, string>), 'strict-transport-security': value };
};

/** Makes `res` carry the field, whether the app calls writeHead or answers with write()/end() alone. */
export const addHsts = (res: OutgoingResponse, value: string): void => {
  const writeHead = res.writeHead;
  let headed = false;
  res.writeHead = (status, headers, options) => {
    headed = true;
    return writeHead.call(res, status, withField(headers, value), options);
  };
  const write = res.write;
  res.write = (chunk) => {
    if (!headed && !res.headersSent) res.writeHead(200);
    return write.call(res, chunk);
  };
  const end = res.end;
  res.end = (chunk, trailers) => {
    if (!headed && !res.headersSent) res.writeHead(200);
    end.call(res, chunk, trailers);
  };
};
