// Paths as the adapters take them: a string, or a file: URL (a URL object or a
// "file:///..." string). A URL is how a module names a file next to itself
// whatever the working directory is: `new URL('./site', import.meta.url)`. A
// relative string resolves against the working directory, as node:fs does: an
// adapter cannot know which module called it (a config file's strings are the
// gateway's to resolve, against the file's folder). The result is absolute,
// without a trailing slash.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidOption } from './option-error.js';

/** What a path option accepts. */
export type PathLike = string | URL;

/** The absolute path `value` names; an OptionError (ERR_INVALID_OPTION) saying `what` it must be otherwise. */
export const toPath = (value: unknown, label: string, what = 'a path'): string => {
  if (value instanceof URL || (typeof value === 'string' && value.startsWith('file:'))) {
    const url = value instanceof URL ? value : parseUrl(value, label, what);
    if (url.protocol !== 'file:') throw invalidOption(`${label} must be ${what} or a file: URL, got a ${url.protocol} URL`);
    try {
      return path.resolve(fileURLToPath(url));
    } catch (err) {
      // node's own (a host other than localhost, an encoded slash): the same error as any bad path.
      throw invalidOption(`${label} must be ${what} or a file: URL, got ${JSON.stringify(url.href)}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (typeof value !== 'string' || value === '') {
    throw invalidOption(`${label} must be ${what} or a file: URL, got ${value === '' ? 'an empty string' : typeof value}`);
  }
  return path.resolve(value);
};

const parseUrl = (value: string, label: string, what: string): URL => {
  try {
    return new URL(value);
  } catch {
    throw invalidOption(`${label} must be ${what} or a file: URL, got ${JSON.stringify(value)}`);
  }
};

/** `toPath` for an optional option: undefined stays undefined. */
export const toOptionalPath = (value: unknown, label: string, what?: string): string | undefined =>
  value === undefined ? undefined : toPath(value, label, what);

/**
 * For a message about a path that is not there: when `value` was a relative
 * string, where it was looked for and how to name a file next to the module.
 */
export const relativeHint = (value: unknown): string =>
  typeof value === 'string' && !path.isAbsolute(value) && !value.startsWith('file:')
    ? ` (a relative path resolves against the working directory, ${process.cwd()}; ` +
      `new URL(${JSON.stringify(value)}, import.meta.url) names one next to the module)`
    : '';
