// Mount targets as the CLI and config files spell them: "./app.mjs" (an app
// module, its kind detected), "./dist" (a folder: its static files, as
// `npx serve dist`), "node:./app.mjs" / "fetch:…" / "native:…" (kind
// forced), "cgi:DIR", "static:DIR", "proxy:URL", "php:DIR" (a PHP site through
// php-fpm: a running one's socket, else one started for it) and "fcgi:ADDRESS"
// (any FastCGI application, nginx's fastcgi_pass address). Each "kind:" is one entry of
// TARGET_KINDS, which also writes the --help line that lists them; a new kind
// is one entry here and one builder in load-app.ts (the Target type makes tsc
// ask for it). Parsing checks what can be checked before serving (the file or
// folder exists, the URL is http(s)), so a typo is a startup error, never a 500
// on the first request; an unknown "kind:" is named as such, with a suggestion.

import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../adapters/env.js';
import type { MountOptions } from './router.js';
import { ConfigError } from './config-error.js';
import { didYouMean } from '../adapters/did-you-mean.js';
import { parseAddress } from '../adapters/fastcgi/address.js';

export type AppKind = 'node' | 'fetch' | 'native';
export const APP_KINDS: readonly AppKind[] = ['node', 'fetch', 'native'];

/** What a target is served by; load-app.ts has one builder per type. */
export type TargetType = 'module' | 'cgi' | 'static' | 'proxy' | 'php' | 'fcgi';

export class Target {
  constructor(
    readonly type: TargetType,
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

const directory = (type: TargetType) => (rest: string, base: string, label: string, scheme: string): Target => {
  if (rest === '') throw new ConfigError(`${label}: ${scheme}: needs a directory, e.g. ${scheme}:./dir`);
  return new Target(type, existing(path.resolve(base, rest), label, true));
};

const httpUrl = (rest: string, _base: string, label: string): Target => {
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    throw new ConfigError(`${label}: proxy: needs an http(s) URL, got ${JSON.stringify(rest)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${label}: proxy: needs an http(s) URL, got ${JSON.stringify(rest)}`);
  return new Target('proxy', rest);
};

const fastcgiAddress = (rest: string, _base: string, label: string): Target => {
  try {
    parseAddress(rest);
  } catch {
    throw new ConfigError(`${label}: fcgi: needs an address, "unix:/path" or "host:port", got ${JSON.stringify(rest)}`);
  }
  return new Target('fcgi', rest);
};

const forcedModule = (kind: AppKind) => (rest: string, base: string, label: string): Target =>
  new Target('module', existing(path.resolve(base, rest), label, false), kind);

export interface TargetKind {
  /** How it is written after "kind:", for --help and docs ("DIR", "URL", "./app.mjs"). */
  syntax: string;
  /** One line for docs/config.md. */
  help: string;
  parse(rest: string, base: string, label: string, scheme: string): Target;
}

/** Every "kind:" prefix a TARGET may have. A TARGET without one is an app module. */
export const TARGET_KINDS: Record<string, TargetKind> = {
  node: { syntax: './app.mjs', help: 'an app module run as a node:http (req, res) app', parse: forcedModule('node') },
  fetch: { syntax: './app.mjs', help: 'an app module run as a Fetch handler', parse: forcedModule('fetch') },
  native: { syntax: './app.mjs', help: 'an app module that is a native Portico app (env, res)', parse: forcedModule('native') },
  cgi: { syntax: 'DIR', help: 'CGI programs in DIR', parse: directory('cgi') },
  static: { syntax: 'DIR', help: 'static files in DIR', parse: directory('static') },
  proxy: { syntax: 'URL', help: 'a reverse proxy to an http(s) upstream', parse: httpUrl },
  php: { syntax: 'DIR', help: 'a PHP site in DIR through php-fpm (--php-fpm, $PORTICO_PHP_FPM, /run/php/*.sock, else one started)', parse: directory('php') },
  fcgi: { syntax: 'ADDRESS', help: 'a FastCGI app at unix:/path or host:port', parse: fastcgiAddress },
};

/** The TARGET forms for --help: "cgi:DIR, static:DIR, proxy:URL". */
export const targetSyntax = (): string =>
  Object.entries(TARGET_KINDS)
    .filter(([, k]) => k.syntax !== './app.mjs')
    .map(([name, k]) => `${name}:${k.syntax}`)
    .join(', ');

/** A scheme-like prefix: letters first, as URL schemes; one letter is a Windows drive ("C:"). */
const SCHEME = /^[a-z][a-z0-9+.-]+$/i;

/** Parses a TARGET string; relative paths resolve against `base`. */
export const parseTarget = (spec: string, base: string, label: string): Target => {
  if (spec === '') throw new ConfigError(`${label}: empty target`);
  const colon = spec.indexOf(':');
  const scheme = colon > 1 ? spec.slice(0, colon) : '';
  const kind = Object.hasOwn(TARGET_KINDS, scheme) ? TARGET_KINDS[scheme] : undefined;
  if (kind !== undefined) return kind.parse(spec.slice(colon + 1), base, label, scheme);
  const file = path.resolve(base, spec);
  // "stati:./site" is a mistyped kind, not a module named so (unless such a file exists).
  if (SCHEME.test(scheme) && !fs.existsSync(file)) {
    const hint = didYouMean(scheme, Object.keys(TARGET_KINDS));
    throw new ConfigError(`${label}: unknown kind ${JSON.stringify(scheme)} in ${JSON.stringify(spec)}${hint || ` (known: ${Object.keys(TARGET_KINDS).join(', ')})`}`);
  }
  // A folder is served as files (`portico ./dist`, as `npx serve dist`); a module is a file.
  if (isDirectory(file)) return new Target('static', file);
  return new Target('module', existing(file, label, false));
};

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};
