// Which program a request runs, and what is left for PATH_INFO (RFC 3875
// §4.1.5, §4.1.13). With `script`, always that program and the whole path below
// the mount. With `root`, the path is walked segment by segment from the root:
// folders are entered, the first regular file is the program, the rest is
// PATH_INFO. The gateway has already decoded the path and resolved "..", so it
// cannot climb out by name; what remains is refused here: encoded slashes
// ("%2F", 404, as Apache's AllowEncodedSlashes Off), dotfiles (403), files whose
// real path (symlinks resolved, fs.realpath) lies outside the real root (403),
// anything not a regular executable file (403) and folders themselves (403).

import { constants, promises as fs } from 'node:fs';
import { sep } from 'node:path';
import type { Env } from '../env.js';
import { CgiError } from './cgi-error.js';

export interface ScriptTarget {
  /** Absolute path of the program (its real path in `root` mode). */
  filename: string;
  /** SCRIPT_NAME: the mount prefix plus the segments that name the program. */
  scriptName: string;
  /** PATH_INFO, fully decoded: "" or starting with "/". */
  pathInfo: string;
  /** The program's file name (nph- programs, log lines). */
  baseName: string;
}

const ENCODED_SLASH = '%2F';

const notFound = (): CgiError => new CgiError('ERR_CGI_NOT_FOUND', 'No such CGI program');
const forbidden = (why: string): CgiError => new CgiError('ERR_CGI_FORBIDDEN', why);

/** The gateway keeps "%25" encoded so that "%2F" stays unambiguous; with "%2F" refused, "%25" is "%". */
const decodePercent = (s: string): string => (s.indexOf('%25') === -1 ? s : s.replaceAll('%25', '%'));

export class ScriptResolver {
  private realRoot: string | null = null;

  constructor(
    private readonly script: string | null,
    private readonly root: string | null,
  ) {}

  async resolve(env: Env): Promise<ScriptTarget> {
    const pathInfo = env.pathInfo;
    if (pathInfo.indexOf(ENCODED_SLASH) !== -1) throw notFound();
    if (this.script !== null) {
      const slash = this.script.lastIndexOf(sep);
      return { filename: this.script, scriptName: env.scriptName, pathInfo: decodePercent(pathInfo), baseName: this.script.slice(slash + 1) };
    }
    const root = this.realRoot ?? (this.realRoot = await fs.realpath(this.root!));
    const segments = pathInfo.split('/');
    let candidate = root;
    for (let i = 1; i < segments.length; i++) {
      const segment = decodePercent(segments[i]!);
      if (segment === '') throw i === segments.length - 1 ? forbidden('A folder is not a CGI program') : notFound();
      if (segment.charCodeAt(0) === 0x2e) throw forbidden('Dotfiles are not served');
      candidate += sep + segment;
      let stat;
      try {
        stat = await fs.stat(candidate);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') throw notFound();
        throw forbidden(`Cannot examine the CGI program (${code})`);
      }
      if (stat.isDirectory()) continue;
      if (!stat.isFile()) throw forbidden('Not a regular file');
      const real = await fs.realpath(candidate);
      if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) throw forbidden('The CGI program lies outside the root');
      try {
        await fs.access(real, constants.X_OK);
      } catch {
        throw forbidden('The file is not executable');
      }
      const rest = segments.slice(i + 1);
      return {
        filename: real,
        scriptName: env.scriptName + decodePercent(segments.slice(0, i + 1).join('/')),
        pathInfo: rest.length === 0 ? '' : '/' + decodePercent(rest.join('/')),
        baseName: segment,
      };
    }
    throw forbidden('A folder is not a CGI program');
  }
}
