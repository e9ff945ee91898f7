// The `portico` CLI's configuration: serve()'s options plus the CLI-only ones
// (workers, access log, status page, TLS file paths...), as one plain object.
// Flags (cli-args.ts) and a config file (JSON, or an ES module whose default
// export is the object) both become this object; flags win over the file. Every
// key is checked against one table, so an unknown key, a wrong type or a missing
// file is one ConfigError with a one-line message naming the flag or key; the CLI
// prints it and exits with status 2 (as uvicorn's Config does for its main).

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS } from '../core/index.js';
import type { ServeOptions } from './server.js';
import type { AccessLogEntry, AccessLogFormat } from './access-log.js';
import { ConfigError } from './config-error.js';
import { parseTarget, type AppKind, type MountSpec, type Target } from './target.js';

export { ConfigError };

/** The CLI's options: serve()'s (with app targets as strings allowed) and the CLI-only ones. */
export interface PorticoConfig extends Omit<ServeOptions, 'app' | 'mounts' | 'accessLog'> {
  /** Mount table: prefix → an app function, a TARGET string ("./app.mjs", "static:DIR", ...), or mount options. */
  mounts?: Record<string, MountSpec>;
  /** One app at "/" (a function or a TARGET string); same as mounts["/"]. */
  app?: MountSpec;
  /** Alias of `path`: a Unix socket to listen on. */
  socket?: string;
  /** How to wrap app modules whose kind is not marked (node, fetch, native). */
  kind?: AppKind;
  /** TLS certificate and key files (PEM); read at startup and again on SIGHUP. */
  tlsCert?: string;
  tlsKey?: string;
  /** Processes sharing the port through node:cluster (1: no cluster). */
  workers?: number;
  /** Access log destination (a file, "-" for stdout) or a function receiving each entry. */
  accessLog?: string | ((entry: AccessLogEntry) => void);
  logFormat?: AccessLogFormat;
  /** Path of the status page (JSON counters, a live HTML view); off when unset. */
  status?: string;
}

/** Names a key for messages: "--port" for flags, 'config key "port"' for files. */
export type Labeler = (key: string) => string;
export const flagLabel: Labeler = (key) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

type Check = (value: unknown, label: string, base: string) => unknown;

const describe = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? 'a function' : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);

const fail = (label: string, what: string, v: unknown): never => {
  throw new ConfigError(`${label} must be ${what}, got ${describe(v)}`);
};

const integer = (min: number, max: number, what: string): Check => (v, label) => {
  if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(label, what, v);
  return v;
};
const string: Check = (v, label) => (typeof v === 'string' && v !== '' ? v : fail(label, 'a non-empty string', v));
const boolean: Check = (v, label) => (typeof v === 'boolean' ? v : fail(label, 'true or false', v));
const oneOf = (...values: string[]): Check => (v, label) =>
  typeof v === 'string' && values.includes(v) ? v : fail(label, 'one of ' + values.join(', '), v);
const file: Check = (v, label, base) => {
  const p = path.resolve(base, string(v, label, base) as string);
  if (!fs.existsSync(p)) throw new ConfigError(`${label}: no such file: ${p}`);
  return p;
};
const plainObject = (v: unknown, label: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(label, 'an object', v);
/** An object of non-negative integers with known keys (limits, timeouts). */
const numbers = (known: object): Check => (v, label) => {
  const o = plainObject(v, label);
  for (const [k, n] of Object.entries(o)) {
    if (!(k in known)) throw new ConfigError(`${label}: unknown key "${k}" (known: ${Object.keys(known).join(', ')})`);
    integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer')(n, `${label}.${k}`, '');
  }
  return o;
};
/** The keys of router.ts's MountOptions. */
const MOUNT_KEYS = ['app', 'methods', 'host', 'maxBodyBytes', 'responseTimeoutMs'];

const mountSpec = (v: unknown, label: string, base: string): MountSpec => {
  if (typeof v === 'function') return v as MountSpec;
  if (typeof v === 'string') return parseTarget(v, base, label);
  const o = plainObject(v, label);
  for (const k of Object.keys(o)) {
    if (!MOUNT_KEYS.includes(k)) throw new ConfigError(`${label}: unknown key "${k}" (known: ${MOUNT_KEYS.join(', ')})`);
  }
  if (o['app'] === undefined) throw new ConfigError(`${label}: missing "app"`);
  const app = mountSpec(o['app'], `${label}.app`, base) as Target | MountSpec;
  if (o['methods'] !== undefined && !(Array.isArray(o['methods']) && o['methods'].every((m) => typeof m === 'string'))) {
    fail(`${label}.methods`, 'an array of method names', o['methods']);
  }
  if (o['host'] !== undefined) string(o['host'], `${label}.host`, base);
  for (const k of ['maxBodyBytes', 'responseTimeoutMs']) {
    if (o[k] !== undefined) integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer')(o[k], `${label}.${k}`, base);
  }
  return { ...o, app } as MountSpec;
};
const mountTable: Check = (v, label, base) => {
  const out: Record<string, MountSpec> = {};
  for (const [prefix, spec] of Object.entries(plainObject(v, label))) {
    if (prefix !== '' && !prefix.startsWith('/')) throw new ConfigError(`${label}: mount prefix must start with "/", got ${JSON.stringify(prefix)}`);
    out[prefix] = mountSpec(spec, `${label}["${prefix}"]`, base);
  }
  return out;
};
const functionOr = (check: Check): Check => (v, label, base) => (typeof v === 'function' ? v : check(v, label, base));

/** Every key the config object may have, with its check. */
const SCHEMA: Record<string, Check> = {
  port: integer(0, 65535, 'an integer from 0 to 65535'),
  host: string,
  path: string,
  socket: string,
  tls: (v, label) => {
    const o = plainObject(v, label);
    if (o['key'] === undefined || o['cert'] === undefined) throw new ConfigError(`${label} needs "key" and "cert" (PEM text; use tlsKey/tlsCert for files)`);
    return o;
  },
  app: mountSpec,
  mounts: mountTable,
  limits: numbers(DEFAULT_LIMITS),
  timeouts: numbers(DEFAULT_TIMEOUTS),
  maxConnections: integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
  shutdownTimeoutMs: integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer'),
  errorPages: (v, label) => plainObject(v, label),
  logger: (v, label) => (typeof (v as { error?: unknown })?.error === 'function' ? v : fail(label, 'an object with an error() method', v)),
  allowConnect: boolean,
  proxyProtocol: (v, label) => (typeof v === 'boolean' || (typeof v === 'object' && v !== null) ? v : fail(label, 'true, false or an options object', v)),
  compression: (v, label) => (typeof v === 'boolean' || (typeof v === 'object' && v !== null) ? v : fail(label, 'true, false or an options object', v)),
  kind: oneOf('node', 'fetch', 'native'),
  tlsCert: file,
  tlsKey: file,
  workers: integer(1, 1024, 'an integer from 1 to 1024'),
  accessLog: functionOr((v, label, base) => (v === '-' ? v : path.resolve(base, string(v, label, base) as string))),
  logFormat: oneOf('combined', 'json'),
  status: (v, label) => (typeof v === 'string' && v.startsWith('/') && v.length > 1 ? v : fail(label, 'a path like /status', v)),
};

/**
 * Checks `raw` key by key and returns a clean copy with paths resolved against
 * `base` (the config file's folder, or the working directory for flags).
 */
export const validateConfig = (raw: unknown, label: Labeler, base: string): PorticoConfig => {
  const o = plainObject(raw, label('(config)').replace(/^--/, ''));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    const check = SCHEMA[key];
    if (check === undefined) throw new ConfigError(`${label(key)}: unknown option (known: ${Object.keys(SCHEMA).join(', ')})`);
    out[key] = check(value, label(key), base);
  }
  if (out['tlsCert'] !== undefined && out['tlsKey'] === undefined) throw new ConfigError(`${label('tlsCert')} needs ${label('tlsKey')} too`);
  if (out['tlsKey'] !== undefined && out['tlsCert'] === undefined) throw new ConfigError(`${label('tlsKey')} needs ${label('tlsCert')} too`);
  return out as PorticoConfig;
};

/** Loads a config file: JSON, or an ES module (.mjs/.js/.cjs) whose default export is the object. */
export const loadConfigFile = async (file: string): Promise<PorticoConfig> => {
  const p = path.resolve(file);
  if (!fs.existsSync(p)) throw new ConfigError(`--config: no such file: ${p}`);
  const name = path.basename(p);
  const label: Labeler = (key) => `${name}: "${key}"`;
  let raw: unknown;
  if (p.endsWith('.json')) {
    try {
      raw = JSON.parse(fs.readFileSync(p, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${name}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
  } else {
    try {
      const mod = (await import(pathToFileURL(p).href)) as { default?: unknown };
      raw = mod.default;
    } catch (err) {
      throw new ConfigError(`${name}: cannot load (${firstLine(err)})`);
    }
    if (raw === undefined) throw new ConfigError(`${name}: has no default export (export default { port: 8080, ... })`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${name}: must hold an object, got ${describe(raw)}`);
  return validateConfig(raw, label, path.dirname(p));
};

export const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** Flags over file: mount tables are merged (a flag's mount replaces the file's at the same prefix). */
export const mergeConfig = (file: PorticoConfig, flags: PorticoConfig): PorticoConfig => {
  const merged: PorticoConfig = { ...file, ...flags };
  if (file.mounts !== undefined && flags.mounts !== undefined) merged.mounts = { ...file.mounts, ...flags.mounts };
  return merged;
};
