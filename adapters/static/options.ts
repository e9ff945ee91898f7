// The options of staticApp(), checked once when the mount is created so that a
// typo fails at startup with a precise message and a stable code (the adapters'
// ERR_UNKNOWN_OPTION and ERR_INVALID_OPTION, and ERR_STATIC_ROOT), never at the
// first request. The root is made absolute and its real path (symlinks
// resolved) is taken here; the request path only ever has to compare strings
// against it.

import fs from 'node:fs';
import { relativeHint, toPath } from '../file-path.js';
import { optionKeys, unknownOption } from '../known-options.js';
import { isFieldValue } from '../../core/index.js';
import { OptionError, type OptionErrorCode } from '../option-error.js';
import { MimeTable, normalizeExtension } from './mime-types.js';

export interface StaticOptions {
  /** The document root: a directory path or a file: URL. */
  root: string | URL;
  /** File names tried, in order, for a request naming a directory. Default ['index.html']; [] turns it off. */
  index?: readonly string[] | string | false;
  /** Extra or overriding extension → Content-Type entries ({ '.gltf': 'model/gltf+json' }). */
  mimeTypes?: Readonly<Record<string, string>>;
  /** The Cache-Control field for this mount's files ("public, max-age=3600"); none by default. */
  cacheControl?: string;
  /** Serve `file.br` / `file.gz` beside `file` when the client accepts them. Default true. */
  precompressed?: boolean;
  /** Answer a directory without an index file with a listing (HTML, or JSON when Accept asks). Default false (404). */
  listDirectories?: boolean;
  /**
   * Single-page app: a GET or HEAD for a path that is not there, from a client that
   * accepts HTML, gets this file (true: "index.html" at the root) with 200, as
   * `serve -s` and nginx's `try_files $uri /index.html` do. Default false.
   */
  spa?: boolean | string;
  /** 'deny' (default): any path segment starting with "." is a 403 (except ".well-known"). */
  dotfiles?: 'deny' | 'allow';
  /** Send ETag and honour If-Match / If-None-Match / If-Range with it. Default true. */
  etag?: boolean;
}

export type StaticOptionsErrorCode = OptionErrorCode | 'ERR_STATIC_ROOT';

/** staticApp() was given options it cannot use (an OptionError: thrown to the caller, never answered). */
export class StaticOptionsError extends OptionError<StaticOptionsErrorCode> {
  override readonly name = 'StaticOptionsError';
}

/** The checked options the request path works with. */
export interface StaticConfig {
  /** Absolute root as given (a symlink in it is followed again on every request). */
  root: string;
  /** The root's real path when last resolved. */
  realRoot: string;
  index: readonly string[];
  mime: MimeTable;
  cacheControl: string | null;
  precompressed: boolean;
  listDirectories: boolean;
  /** The single-page app's fallback file below the root ("/index.html"), or null. */
  spa: string | null;
  allowDotfiles: boolean;
  etag: boolean;
}

const KNOWN = optionKeys({ root: 1, index: 1, mimeTypes: 1, cacheControl: 1, precompressed: 1, listDirectories: 1, spa: 1, dotfiles: 1, etag: 1 } satisfies Record<keyof StaticOptions, 1>);

const fail = (message: string, code: OptionErrorCode = 'ERR_INVALID_OPTION'): never => {
  throw new StaticOptionsError(code, `staticApp: ${message}`);
};

const optionalBoolean = (options: StaticOptions, key: 'precompressed' | 'listDirectories' | 'etag', fallback: boolean): boolean => {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(`"${key}" must be a boolean, got ${typeof value}`);
  return value as boolean;
};

export const resolveOptions = (options: StaticOptions): StaticConfig => {
  if (options === null || typeof options !== 'object') fail('options must be an object with a "root"');
  const unknown = unknownOption(options, KNOWN);
  if (unknown !== null) fail(unknown, 'ERR_UNKNOWN_OPTION');
  const root = resolveRoot(options.root);
  return {
    root,
    realRoot: realRootOf(root, options.root),
    index: indexNames(options.index),
    mime: new MimeTable(mimeTypes(options.mimeTypes)),
    cacheControl: cacheControl(options.cacheControl),
    precompressed: optionalBoolean(options, 'precompressed', true),
    listDirectories: optionalBoolean(options, 'listDirectories', false),
    spa: spaFile(options.spa),
    allowDotfiles: dotfiles(options.dotfiles),
    etag: optionalBoolean(options, 'etag', true),
  };
};

const resolveRoot = (root: unknown): string => {
  try {
    return toPath(root, '"root"', 'a directory path');
  } catch (err) {
    return fail((err as Error).message);
  }
};

const realRootOf = (root: string, given: unknown): string => {
  let real: string;
  try {
    real = fs.realpathSync(root);
  } catch (err) {
    throw new StaticOptionsError('ERR_STATIC_ROOT', `staticApp: root ${root} cannot be used: ${(err as Error).message}${relativeHint(given)}`);
  }
  if (!fs.statSync(real).isDirectory()) throw new StaticOptionsError('ERR_STATIC_ROOT', `staticApp: root ${root} is not a directory${relativeHint(given)}`);
  return real;
};

const indexNames = (index: StaticOptions['index']): readonly string[] => {
  if (index === undefined) return ['index.html'];
  if (index === false) return [];
  const names = typeof index === 'string' ? [index] : index;
  if (!Array.isArray(names)) return fail('"index" must be a file name, an array of file names, or false');
  for (const name of names as unknown[]) {
    if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      fail(`"index" entries must be plain file names, got ${JSON.stringify(name)}`);
    }
  }
  return [...(names as string[])];
};

const spaFile = (value: unknown): string | null => {
  if (value === undefined || value === false) return null;
  if (value === true) return '/index.html';
  const name = typeof value === 'string' ? value.replace(/^\/+/, '') : '';
  // A path below the root, with no way up: the fallback is served like any file of the mount.
  if (name === '' || name.split('/').some((s) => s === '' || s === '.' || s === '..') || /[\\\0]/.test(name)) {
    return fail(`"spa" must be true, false or a file path below the root ("index.html", "app/200.html"), got ${JSON.stringify(value)}`);
  }
  return '/' + name;
};

const mimeTypes = (table: StaticOptions['mimeTypes']): Record<string, string> => {
  if (table === undefined) return {};
  if (table === null || typeof table !== 'object' || Array.isArray(table)) return fail('"mimeTypes" must be an object of extension → type');
  const out: Record<string, string> = {};
  for (const [ext, type] of Object.entries(table)) {
    const name = normalizeExtension(ext);
    if (name === '' || name.includes('/') || name.includes('.')) fail(`"mimeTypes" key ${JSON.stringify(ext)} is not a file extension`);
    if (typeof type !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+/.test(type) || !isFieldValue(type)) {
      fail(`"mimeTypes" value for ${JSON.stringify(ext)} is not a media type: ${JSON.stringify(type)}`);
    }
    out[name] = type;
  }
  return out;
};

const cacheControl = (value: unknown): string | null => {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '' || !isFieldValue(value)) return fail('"cacheControl" must be a non-empty field value');
  return value as string;
};

const dotfiles = (value: unknown): boolean => {
  if (value === undefined || value === 'deny') return false;
  if (value === 'allow') return true;
  return fail(`"dotfiles" must be 'deny' or 'allow', got ${JSON.stringify(value)}`);
};
