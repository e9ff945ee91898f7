// The options of cgiApp(), and their defaults. Two forms: `script` runs one
// program for every request under the mount (git-http-backend, php-cgi), `root`
// runs the executable files of a directory (a classic cgi-bin). Defaults follow
// Apache mod_cgi and lighttpd where they have one: Authorization is withheld
// (CGIPassAuth off), unknown-length bodies are spooled so CONTENT_LENGTH can be
// set, and only PATH and LD_LIBRARY_PATH leak from the server's environment.

import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { toOptionalPath, toPath, type PathLike } from '../file-path.js';
import { optionKeys, refuseUnknownOptions } from '../known-options.js';
import { consoleLogger, type CgiLogger } from './stderr-log.js';
import { invalidOption } from '../option-error.js';

export interface CgiOptions {
  /** One program that answers every request under the mount. Paths here are strings (relative to the
   *  working directory) or file: URLs (`new URL('./cgi-bin', import.meta.url)`). */
  script?: PathLike;
  /** A directory of programs: the first path segments naming an executable file select it. */
  root?: PathLike;
  /** DOCUMENT_ROOT and the base of PATH_TRANSLATED. Default: `root`, else the script's folder. */
  documentRoot?: PathLike;
  /** Variables for every program; they win over everything Portico sets. */
  env?: Readonly<Record<string, string>>;
  /** Names of server environment variables passed on, besides PATH and LD_LIBRARY_PATH. */
  passEnv?: readonly string[];
  /** Pass Authorization and Proxy-Authorization as HTTP_* (and AUTH_TYPE), like Apache's CGIPassAuth. */
  passAuthorization?: boolean;
  /** Milliseconds a program may stay silent (no output, no input taken) before its process group is killed. */
  timeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a program is stopped. */
  killGraceMs?: number;
  /** Programs running at once under this mount. */
  maxConcurrent?: number;
  /** Requests waiting for a free slot; more get 503. */
  maxQueued?: number;
  /** Milliseconds a request may wait for a slot before 503. */
  queueTimeoutMs?: number;
  /** Retry-After (seconds) sent with 503. */
  retryAfterSeconds?: number;
  /** Spool bodies of unknown length (chunked) so CONTENT_LENGTH can be set. */
  spoolUnknownLength?: boolean;
  /** Largest spooled body, in bytes: handed to the body (body.limit), so past it the server answers its 413 ERR_BODY_TOO_LARGE. */
  maxSpoolBytes?: number;
  /** Spooled bodies up to this size stay in memory; larger ones go to a temporary file. */
  spoolMemoryBytes?: number;
  /** Folder for spool files (default: the OS temporary folder). */
  tmpDir?: PathLike;
  /** Largest CGI header block a program may print, in bytes (502 past it). */
  maxHeaderBytes?: number;
  /** Receives program stderr lines and failures. Default: console (stderr). */
  logger?: CgiLogger;
}

export interface ResolvedOptions {
  script: string | null;
  root: string | null;
  documentRoot: string;
  env: Readonly<Record<string, string>>;
  baseEnv: Readonly<Record<string, string>>;
  passAuthorization: boolean;
  timeoutMs: number;
  killGraceMs: number;
  maxConcurrent: number;
  maxQueued: number;
  queueTimeoutMs: number;
  retryAfterSeconds: number;
  spoolUnknownLength: boolean;
  maxSpoolBytes: number;
  spoolMemoryBytes: number;
  tmpDir: string;
  maxHeaderBytes: number;
  logger: CgiLogger;
}

const ALWAYS_PASSED = ['PATH', 'LD_LIBRARY_PATH'];

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw invalidOption(`cgiApp: ${name} must be a non-negative number`);
  return value;
};

const KNOWN = optionKeys({ script: 1, root: 1, documentRoot: 1, env: 1, passEnv: 1, passAuthorization: 1, timeoutMs: 1, killGraceMs: 1, maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 1, retryAfterSeconds: 1, spoolUnknownLength: 1, maxSpoolBytes: 1, spoolMemoryBytes: 1, tmpDir: 1, maxHeaderBytes: 1, logger: 1 } satisfies Record<keyof CgiOptions, 1>);

export const resolveOptions = (options: CgiOptions): ResolvedOptions => {
  refuseUnknownOptions('cgiApp', options, KNOWN);
  if ((options.script === undefined) === (options.root === undefined)) {
    throw invalidOption('cgiApp: give exactly one of `script` (one program) or `root` (a folder of programs)');
  }
  const script = toOptionalPath(options.script, 'cgiApp: `script`', 'a program path') ?? null;
  const root = toOptionalPath(options.root, 'cgiApp: `root`', 'a folder path') ?? null;
  const baseEnv: Record<string, string> = {};
  for (const name of [...ALWAYS_PASSED, ...(options.passEnv ?? [])]) {
    const value = process.env[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (typeof value !== 'string') throw invalidOption(`cgiApp: env.${name} must be a string`);
  }
  return {
    script,
    root,
    documentRoot: toPath(options.documentRoot ?? root ?? dirname(script!), 'cgiApp: `documentRoot`', 'a folder path'),
    env: { ...options.env },
    baseEnv,
    passAuthorization: options.passAuthorization === true,
    timeoutMs: positive('timeoutMs', options.timeoutMs, 60_000),
    killGraceMs: positive('killGraceMs', options.killGraceMs, 2_000),
    maxConcurrent: Math.max(1, positive('maxConcurrent', options.maxConcurrent, 64)),
    maxQueued: positive('maxQueued', options.maxQueued, 256),
    queueTimeoutMs: positive('queueTimeoutMs', options.queueTimeoutMs, 10_000),
    retryAfterSeconds: Math.ceil(positive('retryAfterSeconds', options.retryAfterSeconds, 5)),
    spoolUnknownLength: options.spoolUnknownLength !== false,
    maxSpoolBytes: positive('maxSpoolBytes', options.maxSpoolBytes, 256 * 1024 * 1024),
    spoolMemoryBytes: positive('spoolMemoryBytes', options.spoolMemoryBytes, 64 * 1024),
    tmpDir: toOptionalPath(options.tmpDir, 'cgiApp: `tmpDir`', 'a folder path') ?? tmpdir(),
    maxHeaderBytes: Math.max(256, positive('maxHeaderBytes', options.maxHeaderBytes, 32 * 1024)),
    logger: options.logger ?? consoleLogger,
  };
};
