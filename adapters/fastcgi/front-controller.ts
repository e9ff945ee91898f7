// Which answer a path gets, as nginx's PHP recipe decides it:
//   location ~ [^/]\.php(/|$) { fastcgi_split_path_info ^(.+?\.php)(/.*)$;
//                               try_files $fastcgi_script_name =404; ... }
//   location / { try_files $uri $uri/ /index.php?$args; }
// The first segment ending in a script extension names the script and the rest
// is PATH_INFO; that script must be an existing regular file inside the root,
// else 404, and nothing is sent to the application. SCRIPT_FILENAME is thus
// always a real script, so php-fpm never walks back up the path looking for one
// (cgi.fix_pathinfo): "/uploads/x.jpg/y.php" is a 404 and x.jpg never runs.
// Without a script segment: an existing file is static, a folder runs its index
// script (or is static: redirect to "/", index.html), anything else goes to the
// front controller. The gateway has removed ".." already; encoded slashes are
// 404 and dotfiles 403 (as in the CGI adapter), and real paths (symlinks
// resolved) must stay inside the real root (403).
// The file system is asked synchronously, as nginx's event loop does for
// try_files: a stat of a local file takes microseconds, while a trip through
// libuv's thread pool costs two thread wake-ups per call, the larger part of
// a small script's latency. A script's real path is remembered (realPathOf).

import fs, { type BigIntStats } from 'node:fs';
import { sep } from 'node:path';
import type { Env } from '../env.js';
import { FastCgiError } from './fastcgi-error.js';
import type { ResolvedFastCgiOptions } from './options.js';

export type Route =
  | { kind: 'script'; filename: string; scriptName: string; pathInfo: string; baseName: string }
  | { kind: 'static' };

const STATIC: Route = { kind: 'static' };
const notFound = (why: string): FastCgiError => new FastCgiError('ERR_FCGI_NOT_FOUND', why);
const forbidden = (why: string): FastCgiError => new FastCgiError('ERR_FCGI_FORBIDDEN', why);

/** The gateway keeps "%25" encoded so that "%2F" stays unambiguous; with "%2F" refused, "%25" is "%". */
const decodePercent = (s: string): string => (s.indexOf('%25') === -1 ? s : s.replaceAll('%25', '%'));

// bigint: inode numbers may pass 2^53 (XFS, btrfs), and realPathOf compares them.
const statOf = (path: string): BigIntStats | null => {
  try {
    return fs.statSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw forbidden(`Cannot examine the file (${code})`);
  }
};

/** Scripts whose real path is remembered; past it the memory starts over. */
const MAX_VERIFIED = 4096;

export class FrontController {
  private realRoot: string | null = null;
  private readonly verified = new Map<string, { dev: bigint; ino: bigint; real: string }>();

  constructor(private readonly options: ResolvedFastCgiOptions) {}

  private isScript(name: string): boolean {
    const dot = name.lastIndexOf('.');
    return dot > 0 && this.options.extensions.includes(name.slice(dot).toLowerCase());
  }

  route(env: Env): Route {
    const path = env.pathInfo;
    if (path.indexOf('%2F') !== -1) throw notFound('Encoded slash in the path');
    const segments = path.indexOf('%25') === -1 ? path.split('/') : path.split('/').map(decodePercent);
    // No root: the application is the whole mount (fcgiwrap, flup), as cgiApp({ script }) is.
    if (this.options.root === null) return { kind: 'script', filename: '', scriptName: env.scriptName, pathInfo: segments.join('/'), baseName: '' };
    for (let i = 1; i < segments.length; i++) {
      const segment = segments[i]!;
      // ".well-known" (RFC 8615) is a folder of static files that clients look for by name.
      if (segment.charCodeAt(0) === 0x2e && !(segment === '.well-known' && i < segments.length - 1)) throw forbidden('Dotfiles are not served');
      if (this.isScript(segment)) {
        const rest = segments.slice(i + 1);
        return this.script(segments.slice(1, i + 1).join('/'), rest.length === 0 ? '' : '/' + rest.join('/'), env);
      }
    }
    const root = this.root();
    const name = segments.slice(1).join('/');
    const stat = statOf(name === '' ? root : root + sep + name);
    if (stat !== null && stat.isDirectory()) {
      if (!path.endsWith('/')) return STATIC; // static redirects to the slash form
      const index = (name === '' ? '' : name.replace(/\/$/, '') + '/') + this.options.index;
      const indexStat = statOf(root + sep + index);
      if (indexStat !== null && indexStat.isFile()) return this.script(index, '', env);
      return STATIC;
    }
    if (stat !== null) return STATIC;
    if (!this.options.frontController) throw notFound('No such file');
    return this.script(this.options.index, '', env);
  }

  /** The script at `relative` below the root, checked: a regular file whose real path is inside the real root. */
  private script(relative: string, pathInfo: string, env: Env): Route {
    const root = this.root();
    const candidate = root + sep + relative;
    const stat = statOf(candidate);
    if (stat === null || !stat.isFile()) throw notFound('No such script');
    const real = this.realPathOf(candidate, stat, root);
    const slash = relative.lastIndexOf('/');
    return { kind: 'script', filename: real, scriptName: env.scriptName + '/' + relative, pathInfo, baseName: relative.slice(slash + 1) };
  }

  /**
   * The real path of the script at `candidate`, checked to lie inside the root.
   * realpath(3) costs a readlink per path segment: it is remembered per path
   * with the identity (device, inode) of the file it led to, and used again
   * only while `candidate` still leads to that same file. A symlink swapped to
   * point elsewhere leads to another file, so it is checked again.
   */
  private realPathOf(candidate: string, stat: BigIntStats, root: string): string {
    const known = this.verified.get(candidate);
    if (known !== undefined && known.dev === stat.dev && known.ino === stat.ino) return known.real;
    let real: string;
    try {
      real = fs.realpathSync.native(candidate);
    } catch {
      throw notFound('No such script'); // removed since it was seen
    }
    if (!real.startsWith(root + sep)) throw forbidden('The script lies outside the root');
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(candidate, { dev: stat.dev, ino: stat.ino, real });
    return real;
  }

  private root(): string {
    return this.realRoot ?? (this.realRoot = fs.realpathSync.native(this.options.root!));
  }
}
