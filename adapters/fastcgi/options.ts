// The options of fastcgiApp(), and their defaults. The defaults follow nginx's
// php-fpm recipe where it has one: fastcgi_read_timeout 60 s, the
// fastcgi_params set (every request field as HTTP_*, Authorization included,
// which PHP turns into PHP_AUTH_USER), `try_files $uri $uri/ /index.php?$args`
// (the front controller), and `index index.php`. The connection cap is
// Debian's default pm.max_children (5): each kept connection holds a php-fpm
// child, so the cap must not exceed the pool's.

import { tmpdir } from 'node:os';
import { toOptionalPath, type PathLike } from '../file-path.js';
import { optionKeys, refuseUnknownOptions } from '../known-options.js';
import { consoleLoggerFor, type Logger } from '../log.js';
import { parseAddress, type FastCgiAddress } from './address.js';
import { invalidOption } from '../option-error.js';

export interface FastCgiOptions {
  /** Where the application listens: "unix:/run/php/php8.2-fpm.sock" or "host:port" (nginx's fastcgi_pass). */
  address: string | URL;
  /** The document root: SCRIPT_FILENAME is looked up here, static files are served from here.
   *  Without it every request goes to the application (fcgiwrap, flup): SCRIPT_NAME is the mount, PATH_INFO the rest. */
  root?: PathLike;
  /** The script of a directory and the front controller (try_files … /index.php). Default "index.php". */
  index?: string;
  /** Send paths that name no file to the index script, as WordPress and Laravel expect. Default true. */
  frontController?: boolean;
  /** Extensions run as scripts; every other existing file is static. Default [".php"]. */
  extensions?: readonly string[];
  /** Serve existing non-script files under the root with portico/static. Default true. */
  staticFiles?: boolean;
  /** Extra params for every request (nginx's fastcgi_param); they win over what Portico sets. */
  params?: Readonly<Record<string, string>>;
  /** Pass Authorization as HTTP_AUTHORIZATION. Default true, as nginx's fastcgi_params. */
  passAuthorization?: boolean;
  /** Milliseconds to wait for a connection (nginx's fastcgi_connect_timeout); 504 past it. Default 10 000. */
  connectTimeoutMs?: number;
  /** Milliseconds the application may stay silent (nginx's fastcgi_read_timeout); 504 past it. Default 60 000. */
  readTimeoutMs?: number;
  /** Connections to the application at once; keep it at most the pool's pm.max_children. Default 5. */
  maxConnections?: number;
  /** Requests waiting for a connection; more get 503. Default 256. */
  maxQueued?: number;
  /** Milliseconds a request may wait for a connection before 503. Default 30 000. */
  queueTimeoutMs?: number;
  /** Milliseconds an idle kept connection stays open. Default 10 000. */
  idleTimeoutMs?: number;
  /** Milliseconds to drain an answer after FCGI_ABORT_REQUEST before the connection is closed. Default 2 000. */
  abortGraceMs?: number;
  /** Largest spooled (chunked) request body, in bytes: handed to the body (body.limit), so past it the server answers its 413 ERR_BODY_TOO_LARGE. Default 256 MiB. */
  maxSpoolBytes?: number;
  /** Spooled bodies up to this size stay in memory. Default 64 KiB. */
  spoolMemoryBytes?: number;
  /** Folder for spool files (default: the OS temporary folder). */
  tmpDir?: PathLike;
  /** Largest header block the application may send, in bytes (502 past it). Default 32 KiB. */
  maxHeaderBytes?: number;
  /** Receives the application's stderr lines and failures. Default: the server's logger, else the console. */
  logger?: Logger;
}

export interface ResolvedFastCgiOptions {
  address: FastCgiAddress;
  root: string | null;
  index: string;
  frontController: boolean;
  extensions: readonly string[];
  staticFiles: boolean;
  params: Readonly<Record<string, string>>;
  passAuthorization: boolean;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  maxConnections: number;
  maxQueued: number;
  queueTimeoutMs: number;
  idleTimeoutMs: number;
  abortGraceMs: number;
  maxSpoolBytes: number;
  spoolMemoryBytes: number;
  tmpDir: string;
  maxHeaderBytes: number;
  logger: Logger | null;
}

export const consoleLogger: Logger = consoleLoggerFor('fastcgi');

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidOption(`fastcgiApp: ${name} must be a non-negative number`);
  return value;
};

const KNOWN = optionKeys({ address: 1, root: 1, index: 1, frontController: 1, extensions: 1, staticFiles: 1, params: 1, passAuthorization: 1, connectTimeoutMs: 1, readTimeoutMs: 1, maxConnections: 1, maxQueued: 1, queueTimeoutMs: 1, idleTimeoutMs: 1, abortGraceMs: 1, maxSpoolBytes: 1, spoolMemoryBytes: 1, tmpDir: 1, maxHeaderBytes: 1, logger: 1 } satisfies Record<keyof FastCgiOptions, 1>);

export const resolveOptions = (options: FastCgiOptions): ResolvedFastCgiOptions => {
  if (options === null || typeof options !== 'object') throw invalidOption('fastcgiApp: options must be an object with `address` and `root`');
  refuseUnknownOptions('fastcgiApp', options, KNOWN);
  const root = toOptionalPath(options.root, 'fastcgiApp: `root`', 'the document root folder') ?? null;
  const index = options.index ?? 'index.php';
  if (typeof index !== 'string' || index === '' || index.includes('/') || index.startsWith('.')) {
    throw invalidOption('fastcgiApp: `index` must be a file name such as "index.php"');
  }
  const extensions = (options.extensions ?? ['.php']).map((e) => {
    if (typeof e !== 'string' || !/^\.[A-Za-z0-9]+$/.test(e)) throw invalidOption(`fastcgiApp: extension ${JSON.stringify(e)} must look like ".php"`);
    return e.toLowerCase();
  });
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (typeof value !== 'string') throw invalidOption(`fastcgiApp: params.${name} must be a string`);
  }
  return {
    address: parseAddress(options.address),
    root,
    index,
    frontController: options.frontController !== false,
    extensions,
    staticFiles: options.root !== undefined && options.staticFiles !== false,
    params: { ...options.params },
    passAuthorization: options.passAuthorization !== false,
    connectTimeoutMs: nonNegative('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    readTimeoutMs: nonNegative('readTimeoutMs', options.readTimeoutMs, 60_000),
    maxConnections: Math.max(1, nonNegative('maxConnections', options.maxConnections, 5)),
    maxQueued: nonNegative('maxQueued', options.maxQueued, 256),
    queueTimeoutMs: nonNegative('queueTimeoutMs', options.queueTimeoutMs, 30_000),
    idleTimeoutMs: nonNegative('idleTimeoutMs', options.idleTimeoutMs, 10_000),
    abortGraceMs: nonNegative('abortGraceMs', options.abortGraceMs, 2_000),
    maxSpoolBytes: nonNegative('maxSpoolBytes', options.maxSpoolBytes, 256 * 1024 * 1024),
    spoolMemoryBytes: nonNegative('spoolMemoryBytes', options.spoolMemoryBytes, 64 * 1024),
    tmpDir: toOptionalPath(options.tmpDir, 'fastcgiApp: `tmpDir`', 'a folder path') ?? tmpdir(),
    maxHeaderBytes: Math.max(256, nonNegative('maxHeaderBytes', options.maxHeaderBytes, 32 * 1024)),
    logger: options.logger ?? null,
  };
};
