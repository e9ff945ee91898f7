// From the request's path to a file name under the root, refusing anything that
// could name a file outside it. The gateway hands over env.pathInfo decoded once
// with dot-segments resolved and "%2F"/"%25" kept encoded; we still check every
// rule here (the app may be called by other code) but cheaply: one indexOf per
// rule, a per-segment scan only when "/." occurs. A remaining "%2F" cannot name a
// file (a file name holds no "/"), a backslash or NUL is never a legitimate name,
// "."/".." segments are refused outright, and dot-segments ("/.git", "/.env")
// are dotfiles: 403 unless allowed. Symlinks are the second line, checked on the
// real path by contains() once the file system has resolved them.

export type Refusal = 403 | 404;

const ENCODED_SLASH = /%2f/i;
const ENCODED_PERCENT = /%25/g;
/** RFC 8615 well-known URIs (ACME challenges, security.txt) are meant to be served. */
const WELL_KNOWN = '.well-known';

/** The file-system path below the root for `pathInfo` ("" or starting with "/"), or the status refusing it. */
export const fileNameOf = (pathInfo: string, allowDotfiles: boolean): string | Refusal => {
  if (pathInfo === '') return '';
  if (pathInfo.charCodeAt(0) !== 47) return 404;
  if (pathInfo.indexOf('\\') !== -1 || pathInfo.indexOf('\0') !== -1) return 404;
  let name = pathInfo;
  if (name.indexOf('%') !== -1) {
    if (ENCODED_SLASH.test(name)) return 404;
    name = name.replace(ENCODED_PERCENT, '%');
  }
  if (name.indexOf('/.') !== -1) {
    const refusal = dotSegmentRefusal(name, allowDotfiles);
    if (refusal !== 0) return refusal;
  }
  return name;
};

/** 0 when every segment of `name` may be served; else the refusal. */
export const dotSegmentRefusal = (name: string, allowDotfiles: boolean): Refusal | 0 => {
  let at = name.indexOf('/.');
  while (at !== -1) {
    const end = name.indexOf('/', at + 1);
    const segment = end === -1 ? name.slice(at + 1) : name.slice(at + 1, end);
    if (segment === '.' || segment === '..') return 404;
    if (!allowDotfiles && segment !== WELL_KNOWN) return 403;
    at = end === -1 ? -1 : name.indexOf('/.', end);
  }
  return 0;
};

/** Whether `real` (a real path) is `realRoot` or lies below it. */
export const contains = (realRoot: string, real: string): boolean => {
  if (!real.startsWith(realRoot)) return false;
  if (real.length === realRoot.length) return true;
  // "/srv/www" contains "/srv/www/a", never "/srv/www-old/a"; a root of "/" contains all.
  return real.charCodeAt(realRoot.length) === 47 || realRoot.charCodeAt(realRoot.length - 1) === 47;
};
