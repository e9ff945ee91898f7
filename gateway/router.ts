// Prefix routing on segment boundaries: "/app" matches "/app", "/app/" and
// "/app/x", never "/apple"; the longest prefix wins. The mount prefix becomes the
// app's scriptName and the rest its pathInfo (the WSGI split). Mounts may be
// limited to methods (405 with Allow for the others) and to a Host (virtual hosts).

import type { App } from '../adapters/env.js';
import { ConfigError } from './config-error.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { CompressionOptions } from '../adapters/middleware/compression/index.js';

export interface MountOptions {
  app: App;
  /** Only these methods reach the app; others get 405 with Allow (HEAD follows GET). */
  methods?: readonly string[];
  /** Only requests for this host name (case-insensitive, port ignored) reach the app. */
  host?: string;
  /** Largest request body for this mount, in bytes (413 past it). */
  maxBodyBytes?: number;
  /** Milliseconds the app has to start its response before the client gets a 504. */
  responseTimeoutMs?: number;
  /** Requests per client address (429 past it; gateway/rate-limit.ts); false: not the server's limit either. */
  rateLimit?: RateLimitOptions | false;
  /** gzip/brotli around this mount's app (serve() applies it; the router ignores it). */
  compression?: boolean | CompressionOptions;
}

export type MountTable = Record<string, App | MountOptions>;

export interface Mount {
  prefix: string;
  app: App;
  methods: readonly string[] | null;
  host: string | null;
  maxBodyBytes: number | null;
  responseTimeoutMs: number | null;
  /** Number of path segments in the prefix. */
  depth: number;
}

export type RouteResult =
  | { kind: 'found'; mount: Mount; scriptName: string; pathInfo: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string[] };

const normalizePrefix = (prefix: string): string => {
  if (prefix === '' || prefix === '/') return '';
  if (!prefix.startsWith('/')) throw new ConfigError(`Mount prefix must start with "/": ${prefix}`);
  return prefix.replace(/\/+$/, '');
};

export class Router {
  readonly mounts: Mount[];

  constructor(table: MountTable) {
    this.mounts = Object.entries(table).map(([prefix, spec]) => {
      const options: MountOptions = typeof spec === 'function' ? { app: spec } : spec;
      if (typeof options.app !== 'function') throw new ConfigError(`Mount ${prefix || '/'} has no app function`);
      const p = normalizePrefix(prefix);
      return {
        prefix: p,
        app: options.app,
        methods: options.methods ? expandMethods(options.methods) : null,
        host: options.host ? options.host.toLowerCase() : null,
        maxBodyBytes: options.maxBodyBytes ?? null,
        responseTimeoutMs: options.responseTimeoutMs ?? null,
        depth: p === '' ? 0 : p.split('/').length - 1,
      };
    });
    // Longest prefix first; host-specific mounts before host-agnostic ones of equal length.
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length || Number(b.host !== null) - Number(a.host !== null));
  }

  route(method: string, path: string, hostName: string): RouteResult {
    let allow: string[] | null = null;
    let allowPrefix = 0;
    for (const mount of this.mounts) {
      const prefix = mount.prefix;
      // The longest matching prefix decides: a shorter mount never catches a method
      // the longer one refused (POST /admin/x must not fall through to "/").
      if (allow !== null && prefix.length < allowPrefix) break;
      if (prefix !== '' && !(path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47))) {
        continue;
      }
      if (mount.host !== null && mount.host !== hostName) continue;
      if (mount.methods !== null && !mount.methods.includes(method)) {
        allow ??= [];
        allowPrefix = prefix.length;
        for (const m of mount.methods) if (!allow.includes(m)) allow.push(m);
        continue;
      }
      return { kind: 'found', mount, scriptName: prefix, pathInfo: path.slice(prefix.length) };
    }
    return allow ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}

const expandMethods = (methods: readonly string[]): string[] => {
  const out = methods.map((m) => m.toUpperCase());
  if (out.includes('GET') && !out.includes('HEAD')) out.push('HEAD');
  return out;
};
