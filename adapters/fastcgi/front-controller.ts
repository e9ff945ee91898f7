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

import { promises as fs } from 'node:fs';
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

const statOf = async (path: string): Promise<import('node:fs').Stats | null> => {
  try {
    return await fs.stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw forbidden(`Cannot examine the file (${code})`);
  }
};

export class FrontController {
  private realRoot: string | null = null;

  constructor(private readonly options: ResolvedFastCgiOptions) {}

  private isScript(name: string): boolean {
    const dot = name.lastIndexOf('.');
    return dot > 0 && this.options.extensions.includes(name.slice(dot).toLowerCase());
  }

  async route(env: Env): Promise<Route> {
    const path = env.pathInfo;
    if (path.indexOf('%2F') !== -1) throw notFound('Encoded slash in the path');
    const segments = path.split('/').map(decodePercent);
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
    const root = await this.root();
    const name = segments.slice(1).join('/');
    const stat = await statOf(name === '' ? root : root + sep + name);
    if (stat !== null && stat.isDirectory()) {
      if (!path.endsWith('/')) return STATIC; // static redirects to the slash form
      const index = (name === '' ? '' : name.replace(/\/$/, '') + '/') + this.options.index;
      const indexStat = await statOf(root + sep + index);
      if (indexStat !== null && indexStat.isFile()) return this.script(index, '', env);
      return STATIC;
    }
    if (stat !== null) return STATIC;
    if (!this.options.frontController) throw notFound('No such file');
    return this.script(this.options.index, '', env);
  }

  /** The script at `relative` below the root, checked: a regular file whose real path is inside the real root. */
  private async script(relative: string, pathInfo: string, env: Env): Promise<Route> {
    const root = await this.root();
    const candidate = root + sep + relative;
    const stat = await statOf(candidate);
    if (stat === null || !stat.isFile()) throw notFound('No such script');
    const real = await fs.realpath(candidate);
    if (!real.startsWith(root + sep)) throw forbidden('The script lies outside the root');
    const slash = relative.lastIndexOf('/');
    return { kind: 'script', filename: real, scriptName: env.scriptName + '/' + relative, pathInfo, baseName: relative.slice(slash + 1) };
  }

  private async root(): Promise<string> {
    return this.realRoot ?? (this.realRoot = await fs.realpath(this.options.root!));
  }
}
