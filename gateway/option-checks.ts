// The value checks the option schema (options-schema.ts) is built from. A
// check takes the raw value, the label naming it in messages ("--port",
// 'portico.json: "port"', 'serve(): "port"') and the context, and returns the
// clean value or throws a one-line ConfigError: "<label> must be <what>, got
// <value>". Text from the command line or the environment arrives as strings,
// so number checks accept a string of digits, wherever it comes from.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.js';
import { didYouMean } from '../adapters/did-you-mean.js';
import { toPath } from '../adapters/file-path.js';

export interface CheckContext {
  /** The folder relative paths resolve against: the config file's, else the working directory. */
  base: string;
  /** True for serve() and createServer(): apps are functions there, never target strings. */
  api: boolean;
}

export type Check<T> = (value: unknown, label: string, ctx: CheckContext) => T;

export const describe = (v: unknown): string =>
  typeof v === 'string'
    ? JSON.stringify(v)
    : typeof v === 'function'
      ? 'a function'
      : Array.isArray(v)
        ? 'an array'
        : v === null
          ? 'null'
          : typeof v === 'object'
            ? 'an object'
            : String(v);

export const fail = (label: string, what: string, v: unknown, hint = ''): never => {
  throw new ConfigError(`${label} must be ${what}, got ${describe(v)}${hint}`);
};

export const integer =
  (min: number, max: number, what: string): Check<number> =>
  (v, label) => {
    if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(label, what, v);
    return v as number;
  };
export const nonNegative = integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
export const positive = integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer');

export const string: Check<string> = (v, label) => (typeof v === 'string' && v !== '' ? v : fail(label, 'a non-empty string', v));
export const boolean: Check<boolean> = (v, label) => (typeof v === 'boolean' ? v : fail(label, 'true or false', v));

export const oneOf =
  <const V extends string>(...values: V[]): Check<V> =>
  (v, label) =>
    typeof v === 'string' && (values as string[]).includes(v)
      ? (v as V)
      : fail(label, 'one of ' + values.join(', '), v, typeof v === 'string' ? didYouMean(v, values) : '');

/**
 * A path: a string, resolved against the base folder (the config file's, else
 * the working directory), or a file: URL (`new URL('./cert.pem', import.meta.url)`
 * in a config module), taken as it is.
 */
export const pathValue: Check<string> = (v, label, ctx) => {
  if (v instanceof URL || (typeof v === 'string' && v.startsWith('file:'))) {
    try {
      return toPath(v, label);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  return path.resolve(ctx.base, typeof v === 'string' && v !== '' ? v : fail(label, 'a path or a file: URL', v));
};

/** A path that must exist. */
export const file: Check<string> = (v, label, ctx) => {
  const p = pathValue(v, label, ctx);
  if (!fs.existsSync(p)) throw new ConfigError(`${label}: no such file: ${p}`);
  return p;
};

/** A path that may not exist yet (a log file). */
export const outputPath: Check<string> = pathValue;

/**
 * A Unix socket to listen on. A relative string stays relative where it means the
 * same (the base is the working directory): sun_path holds 107 bytes, and a
 * relative path is the usual way around that. In a config file elsewhere it
 * resolves against the file's folder.
 */
export const socketPath: Check<string> = (v, label, ctx) => {
  if (typeof v === 'string' && !v.startsWith('file:') && ctx.base === process.cwd()) return string(v, label, ctx);
  return pathValue(v, label, ctx);
};

export const plainObject = (v: unknown, label: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(label, 'an object', v);

/** The message for a key that is not in `known`: a suggestion when one is close, else the list. */
export const unknownKey = (label: string, key: string, known: readonly string[]): ConfigError => {
  const hint = didYouMean(key, known);
  return new ConfigError(`${label}: unknown key ${JSON.stringify(key)}${hint || ` (known: ${known.join(', ')})`}`);
};

/** An object of non-negative integers with known keys (limits, timeouts). */
export const numbers =
  <T extends object>(known: T): Check<Partial<{ [K in keyof T]: number }>> =>
  (v, label, ctx) => {
    const o = plainObject(v, label);
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(o)) {
      if (!(k in known)) throw unknownKey(label, k, Object.keys(known));
      if (n !== undefined) out[k] = nonNegative(n, `${label}.${k}`, ctx);
    }
    return out as Partial<{ [K in keyof T]: number }>;
  };

export const functionOr =
  <T>(check: Check<T>): Check<T | ((...args: never[]) => unknown)> =>
  (v, label, ctx) =>
    typeof v === 'function' ? (v as (...args: never[]) => unknown) : check(v, label, ctx);

/** true, false or an options object (proxyProtocol, compression). */
export const flagOrObject = <T extends object>(): Check<boolean | T> => (v, label) =>
  typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)) ? (v as boolean | T) : fail(label, 'true, false or an options object', v);

/** Any value that passes `test`, described as `what` otherwise (for typed objects the schema does not look into). */
export const shaped =
  <T>(test: (v: unknown) => boolean, what: string): Check<T> =>
  (v, label) =>
    test(v) ? (v as T) : fail(label, what, v);
