// The command line, turned into the same config object a config file holds
// (uvicorn's main → Config). node:util parseArgs does the tokenizing in strict
// mode; this module renames flags to config keys and rewrites parseArgs' errors
// as one-line ConfigErrors. Values stay strings here: validateConfig() checks
// and converts them with the same rules as config file values.

import { parseArgs } from 'node:util';
import { ConfigError } from './config-error.js';
import type { Labeler } from './config.js';

export const HELP = `Usage: portico [options] [MODULE]

Serves MODULE (an app: Fetch handler, { fetch } object, (req, res) function,
Express, Koa or Connect app, or a native Portico app) at "/", and any --mount.

Options:
  -p, --port PORT            TCP port (default: $PORT, else 8080; 0 picks a free one)
      --host HOST            address to bind (default 127.0.0.1; 0.0.0.0 for all)
      --socket PATH          listen on a Unix socket instead of TCP
  -m, --mount PREFIX=TARGET  mount TARGET at PREFIX (repeatable). TARGET is an app
                             module (./app.mjs, or node:/fetch:/native:./app.mjs
                             to force its kind), cgi:DIR, static:DIR, proxy:URL,
                             php:DIR (php-fpm: $PORTICO_PHP_FPM, /run/php/*.sock,
                             else one started) or fcgi:ADDRESS (unix:/path, host:port)
      --kind node|fetch|native
                             how to wrap app modules (default: detected)
      --tls-cert FILE        serve HTTPS with this certificate (PEM) ...
      --tls-key FILE         ... and key; SIGHUP reloads both
      --proxy-protocol       expect a PROXY protocol v1/v2 header (HAProxy, ELB)
  -w, --workers N            run N processes sharing the port (node:cluster)
      --access-log FILE|-    write an access log to FILE, or stdout with -
      --log-format combined|json
                             access log format (default combined)
      --status PATH          serve live counters at PATH (JSON, or HTML for browsers)
  -c, --config FILE          read options from FILE (.json, or an ES module
                             exporting the options object); flags win
  -h, --help                 print this help
  -v, --version              print the version

Signals: SIGTERM/SIGINT drain in-flight requests, then exit 0; SIGHUP reloads
the TLS files; SIGUSR1 reopens the access log file.
Errors in options print one line and exit with status 2.`;

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  socket: { type: 'string' },
  mount: { type: 'string', short: 'm', multiple: true },
  kind: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'proxy-protocol': { type: 'boolean' },
  workers: { type: 'string', short: 'w' },
  'access-log': { type: 'string' },
  'log-format': { type: 'string' },
  status: { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Config keys as the user typed them on the command line. */
export const cliLabel: Labeler = (key) =>
  key === 'mounts' ? '--mount' : key === 'app' ? 'MODULE' : key === 'path' ? '--socket' : '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

export interface CliArgs {
  help: boolean;
  version: boolean;
  configFile: string | undefined;
  /** Unvalidated config keys (values as typed). */
  options: Record<string, unknown>;
}

export const parseCliArgs = (argv: readonly string[]): CliArgs => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw rewriteParseError(err as Error & { code?: string });
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) {
    throw new ConfigError(`only one MODULE may be given (got ${parsed.positionals.length}); mount more with --mount PREFIX=TARGET`);
  }
  const options: Record<string, unknown> = {
    port: v.port,
    host: v.host,
    socket: v.socket,
    kind: v.kind,
    tlsCert: v['tls-cert'],
    tlsKey: v['tls-key'],
    proxyProtocol: v['proxy-protocol'],
    workers: v.workers,
    accessLog: v['access-log'],
    logFormat: v['log-format'],
    status: v.status,
    app: parsed.positionals[0],
  };
  if (v.mount !== undefined) {
    const mounts: Record<string, string> = {};
    for (const m of v.mount) {
      const eq = m.indexOf('=');
      if (eq <= 0 || !m.startsWith('/')) throw new ConfigError(`--mount must be PREFIX=TARGET with PREFIX starting with "/", got ${JSON.stringify(m)}`);
      mounts[m.slice(0, eq)] = m.slice(eq + 1);
    }
    options['mounts'] = mounts;
  }
  return { help: v.help === true, version: v.version === true, configFile: v.config, options };
};

const rewriteParseError = (err: Error & { code?: string }): Error => {
  const flag = /--[\w-]+/.exec(err.message)?.[0] ?? /'(-\w)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(`unknown option ${flag} (see portico --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new ConfigError(/argument missing/.test(err.message) ? `${flag} needs a value` : `${flag} takes no value`);
    default:
      return new ConfigError(err.message.split('\n')[0]!);
  }
};
