// Mount targets as the CLI and config files spell them: "./app.mjs" (an app
// module, its kind detected), "node:./app.mjs" / "fetch:…" / "native:…" (kind
// forced), "cgi:DIR", "static:DIR", "proxy:URL", "php:DIR" (a PHP site through
// php-fpm: a running one's socket, else one started for it) and "fcgi:ADDRESS"
// (any FastCGI application, nginx's fastcgi_pass address). Parsing checks what can be
// checked before serving (the file or folder exists, the URL is http(s)) so a
// typo is a startup error, never a 500 on the first request.

import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../adapters/env.js';
import type { MountOptions } from './router.js';
import { ConfigError } from './config-error.js';
import { parseAddress } from '../adapters/fastcgi/address.js';

export type AppKind = 'node' | 'fetch' | 'native';

export class Target {
  constructor(
    readonly type: 'module' | 'cgi' | 'static' | 'proxy' | 'php' | 'fcgi',
    /** Absolute file or folder path, or the upstream URL. */
    readonly location: string,
    /** For modules: the kind forced by a "node:" / "fetch:" / "native:" prefix. */
    readonly kind?: AppKind,
  ) {}

  toString(): string {
    return this.type === 'module' ? (this.kind ? `${this.kind}:` : '') + this.location : `${this.type}:${this.location}`;
  }
}

/** What a mount table entry may be before apps are loaded. */
export type MountSpec = App | Target | (Omit<MountOptions, 'app'> & { app: App | Target });

const existing = (p: string, label: string, wantDir: boolean): string => {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    throw new ConfigError(`${label}: no such ${wantDir ? 'directory' : 'file'}: ${p}`);
  }
  if (wantDir && !st.isDirectory()) throw new ConfigError(`${label}: not a directory: ${p}`);
  if (!wantDir && st.isDirectory()) throw new ConfigError(`${label}: is a directory, not a module: ${p} (serve files with static:${p})`);
  return p;
};

/** Parses a TARGET string; relative paths resolve against `base`. */
export const parseTarget = (spec: string, base: string, label: string): Target => {
  const colon = spec.indexOf(':');
  const scheme = colon > 1 ? spec.slice(0, colon) : '';
  const rest = spec.slice(colon + 1);
  switch (scheme) {
    case 'php':
    case 'cgi':
    case 'static':
      if (rest === '') throw new ConfigError(`${label}: ${scheme}: needs a directory, e.g. ${scheme}:./dir`);
      return new Target(scheme, existing(path.resolve(base, rest), label, true));
    case 'proxy': {
      let url: URL;
      try {
        url = new URL(rest);
      } catch {
        throw new ConfigError(`${label}: proxy: needs an http(s) URL, got ${JSON.stringify(rest)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${label}: proxy: needs an http(s) URL, got ${JSON.stringify(rest)}`);
      return new Target('proxy', rest);
    }
    case 'fcgi':
      try {
        parseAddress(rest);
      } catch {
        throw new ConfigError(`${label}: fcgi: needs an address, "unix:/path" or "host:port", got ${JSON.stringify(rest)}`);
      }
      return new Target('fcgi', rest);
    case 'node':
    case 'fetch':
    case 'native':
      return new Target('module', existing(path.resolve(base, rest), label, false), scheme);
    default:
      if (spec === '') throw new ConfigError(`${label}: empty target`);
      return new Target('module', existing(path.resolve(base, spec), label, false));
  }
};
