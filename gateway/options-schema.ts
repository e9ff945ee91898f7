// Every option of Portico, declared once (as uvicorn's Config): its config key,
// its CLI flag and value syntax, its check (type and range), its default, its
// one-line help, whether serve() takes it and whether a mount may set it. From
// this table come the CLI's flag parsing and --help (cli-args.ts), config file
// and serve() validation with one set of messages (config.ts), the mount option
// checks, the PorticoConfig type, the reference table in docs/config.md
// (options-reference.ts; a spec fails when the docs lag), and compile-time
// checks that ServeOptions and MountOptions agree with it.
//
// HOW TO ADD AN OPTION: add one entry to OPTIONS (or MOUNT_OPTIONS for one that
// only a mount may set), in the order --help should list it:
//   rateLimit: option({
//     check: rateCheck, help: 'requests per second per client address',
//     flag: 'rate-limit', arg: 'N', scope: 'serve', perMount: true, default: 0,
//   }),
// - `flag` (+ `short`, `arg`) gives it a CLI flag; without `arg` the flag is a
//   switch (true when given). `fromFlag` turns the flag's text into the value
//   the check expects when that is not the text itself (see `mounts`).
// - The check gets strings from flags and the environment: reuse option-checks.ts.
// - scope 'serve': serve() takes it too; then also add the field (with its doc
//   comment) to ServeOptions in server.ts, and use it there. tsc fails until the
//   two agree. scope 'cli': the CLI and config files only (launch.ts uses it).
// - perMount: a mount's options may set it too ({ app: 'static:./site', listing:
//   true }); the top-level value is every mount's default (mountDefaults()).
//   Router-level ones also go in MountOptions (router.ts); ones an adapter reads
//   arrive in load-app.ts's builders as the mount's effective options, with
//   scope 'cli' and `targets: ['static']` (load-app.ts refuses them on other
//   mounts, and serve() in its mount tables, where the adapter takes them).
// - Then run `npm run build && npm run docs:config` to refresh docs/config.md.
// A new TARGET kind ("php:DIR") is an entry of TARGET_KINDS in target.ts instead.

import type { RedirectHttpOptions } from './redirect-http.js';
import type { HstsOptions } from './hsts.js';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, isFieldValue, type Limits, type Timeouts } from '../core/index.js';
import type { App } from '../adapters/env.js';
import type { AccessLogEntry, AccessLogFormat } from './access-log.js';
import { compileLogFormat, isLogTemplate } from './log-format.js';
import { rateLimitCheck } from './rate-limit.js';
import type { CompressionOptions } from './compression.js';
import { ConfigError } from './config-error.js';
import type { ErrorPages } from './error-pages.js';
import type { TlsOptions } from './listener.js';
import type { ErrorLogFormat, Logger } from './log.js';
import type { ProxyProtocolOptions } from './proxy-protocol.js';
import type { MountOptions, MountTable } from './router.js';
import type { ServeOptions } from './server.js';
import { APP_KINDS, parseTarget, targetSyntax, type AppKind, type MountSpec, type TargetType } from './target.js';
import { parseAddress } from '../adapters/fastcgi/address.js';
import {
  boolean, fail, file, flagOrObject, functionOr, integer, nonNegative, numbers, oneOf, outputPath, pathValue, plainObject, positive, shaped, socketPath, string, unknownKey,
  type Check, type CheckContext,
} from './option-checks.js';

export type { Check, CheckContext };

export interface OptionSpec<T> {
  /** Checks and converts a value; throws a one-line ConfigError naming `label`. */
  check: Check<T>;
  /** One line for --help and docs/config.md. */
  help: string;
  /** 'serve': serve() takes it as well as the CLI and config files; 'cli': only those two. */
  scope: 'serve' | 'cli';
  /** The CLI flag, without its dashes. */
  flag?: string;
  /** A one-letter alias of the flag. */
  short?: string;
  /** The flag's value as --help shows it ("PORT"); absent: the flag is a switch. */
  arg?: string;
  /** The flag may be given more than once; fromFlag gets every value. */
  multiple?: boolean;
  /** Turns the flag's text into what `check` takes, when that is not the text itself. */
  fromFlag?: (value: string | string[] | boolean) => unknown;
  /** The command line's positional argument (MODULE) is this option. */
  positional?: string;
  /** Also settable in a mount's options; the top-level value is every mount's default. */
  perMount?: boolean;
  /** Only mounts of these target types read it (load-app.ts's builders); another mount setting it is an error. */
  targets?: readonly TargetType[];
  /** The option needs this other one to be given too. */
  requires?: string;
  /** How serve() takes it, when that differs (apps are functions there). */
  api?: string;
  /** The value used when it is not given. */
  default?: T;
  /** The default as docs and --help say it, when a value does not say it well. */
  defaultText?: string;
}

/** Declares one entry; keeps its value type and scope for the derived types below. */
const option = <T, const S extends 'serve' | 'cli'>(spec: Omit<OptionSpec<T>, 'default'> & { scope: S; default?: NoInfer<T> }): OptionSpec<T> & { scope: S } => spec;

type AccessLogHook = (entry: AccessLogEntry) => void;

/** "combined", "json", or a log_format template (anything with a $variable), compiled now so a bad one fails at startup. */
const logFormat: Check<AccessLogFormat> = (v, label, ctx) => {
  if (typeof v === 'string' && isLogTemplate(v)) return (compileLogFormat(v, label), v);
  return oneOf<AccessLogFormat>('combined', 'json')(v, label, ctx);
};

/** One mount table entry: an app, a TARGET string (not in serve()), or mount options. */
const mountSpec: Check<MountSpec> = (v, label, ctx) => {
  if (typeof v === 'function') return v as App;
  if (typeof v === 'string' || v instanceof URL) {
    if (ctx.api) fail(label, 'an app function or mount options', v, ' (TARGET strings such as "static:./dir" are for the CLI and config files)');
    // A file: URL names a module or a folder, as a path TARGET does.
    return parseTarget(v instanceof URL ? pathValue(v, label, ctx) : v, ctx.base, label);
  }
  const o = plainObject(v, label);
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(o)) {
    const spec = mountOption(k);
    if (spec === undefined) throw unknownKey(label, k, MOUNT_KEYS);
    if (ctx.api && spec.scope === 'cli') {
      const targets = (spec.targets ?? []).map((t) => `${t}:`).join(' ');
      throw new ConfigError(`${label}.${k}: is for ${targets} targets of the CLI and config files; in serve(), give it to the adapter (${spec.targets?.[0] ?? 'static'}App({ ... }))`);
    }
    if (value !== undefined) out[k] = k === 'app' ? value : spec.check(value, `${label}.${k}`, ctx);
  }
  if (o['app'] === undefined) throw new ConfigError(`${label}: missing "app"`);
  // The inner app is an app or a TARGET, never options again.
  out['app'] = typeof o['app'] === 'function' || typeof o['app'] === 'string' || o['app'] instanceof URL ? mountSpec(o['app'], `${label}.app`, ctx) : fail(`${label}.app`, ctx.api ? 'an app function' : 'an app function or a TARGET string', o['app']);
  return out as MountSpec;
};

const mountTable: Check<Record<string, MountSpec>> = (v, label, ctx) => {
  const out: Record<string, MountSpec> = {};
  for (const [prefix, spec] of Object.entries(plainObject(v, label))) {
    if (prefix !== '' && !prefix.startsWith('/')) throw new ConfigError(`${label}: mount prefix must start with "/", got ${JSON.stringify(prefix)}`);
    out[prefix] = mountSpec(spec, `${label}["${prefix}"]`, ctx);
  }
  return out;
};

/** --mount PREFIX=TARGET, repeated, as a mount table of TARGET strings. */
const mountFlags = (values: string | string[] | boolean): Record<string, string> => {
  const mounts: Record<string, string> = {};
  for (const m of [values].flat()) {
    const text = String(m);
    const eq = text.indexOf('=');
    if (eq <= 0 || !text.startsWith('/')) throw new ConfigError(`--mount must be PREFIX=TARGET with PREFIX starting with "/", got ${JSON.stringify(text)}`);
    mounts[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return mounts;
};

/** The options of one mount ({ app, methods, host, ... }); top-level perMount options join them. */
export const MOUNT_OPTIONS = {
  app: { check: mountSpec, help: 'the app: a function, or a TARGET string (not in serve())' } satisfies MountOptionSpec<MountSpec>,
  methods: {
    check: shaped<readonly string[]>((v) => Array.isArray(v) && v.every((m) => typeof m === 'string'), 'an array of method names'),
    help: 'only these methods reach the app; others get 405 with Allow (HEAD follows GET)',
  },
  host: { check: string, help: 'only requests for this host name reach the app (virtual hosts; port ignored)' },
  maxBodyBytes: { check: nonNegative, help: 'largest request body for this mount, in bytes (413 past it)' },
  responseTimeoutMs: { check: nonNegative, help: 'milliseconds the app has to start its response before a 504' },
} as const;

interface MountOptionSpec<T> {
  check: Check<T>;
  help: string;
}

export const OPTIONS = {
  port: option({
    check: integer(0, 65535, 'an integer from 0 to 65535'), help: 'TCP port; 0 picks a free one', scope: 'serve',
    flag: 'port', short: 'p', arg: 'PORT', default: 8080, defaultText: '$PORT, else 8080',
  }),
  host: option({ check: string, help: 'address to bind; 0.0.0.0 or :: for all interfaces', scope: 'serve', flag: 'host', arg: 'HOST', default: '127.0.0.1' }),
  path: option({ check: socketPath, help: 'a Unix socket path to listen on instead of TCP (--socket on the CLI)', scope: 'serve' }),
  socket: option({ check: socketPath, help: 'listen on a Unix socket instead of TCP', scope: 'cli', flag: 'socket', arg: 'PATH' }),
  tls: option({
    check: (v, label): TlsOptions => {
      const o = plainObject(v, label);
      if (o['key'] === undefined || o['cert'] === undefined) throw new ConfigError(`${label} needs "key" and "cert" (PEM text; use tlsKey/tlsCert for files)`);
      return o as unknown as TlsOptions;
    },
    help: 'serve HTTPS with this { key, cert } (PEM text)', scope: 'serve',
  }),
  app: option({
    check: (v, label, ctx): MountSpec =>
      ctx.api && typeof v === 'object' && v !== null && !Array.isArray(v) ? (mountTable(v, label, ctx) as unknown as MountSpec) : mountSpec(v, label, ctx),
    help: 'the app at "/": a function, a TARGET string or mount options', api: 'an app function or a mount table', scope: 'serve', positional: 'MODULE',
  }),
  mounts: option({
    check: mountTable, help: `mount TARGET at PREFIX (repeatable). TARGET is an app module (./app.mjs, or node:/fetch:/native:./app.mjs to force its kind), a folder (./dist, as static:), ${targetSyntax()}`,
    scope: 'serve', flag: 'mount', short: 'm', arg: 'PREFIX=TARGET', multiple: true, fromFlag: mountFlags,
  }),
  kind: option({ check: oneOf<AppKind>(...APP_KINDS), help: 'how to wrap app modules whose kind is not marked', scope: 'cli', flag: 'kind', arg: APP_KINDS.join('|'), defaultText: 'detected' }),
  phpFpm: option({
    check: (v, label, ctx): string => {
      if (v === 'start') return v;
      if (v instanceof URL) return 'unix:' + pathValue(v, label, ctx);
      try {
        if (typeof v === 'string') return (parseAddress(v), v);
      } catch {}
      return fail(label, 'a php-fpm address ("unix:/path" or "host:port") or "start"', v);
    },
    help: "the php-fpm of php: targets, as nginx's fastcgi_pass (unix:/path or host:port); start: always start one",
    scope: 'cli', flag: 'php-fpm', arg: 'ADDRESS|start', perMount: true, targets: ['php'], defaultText: '$PORTICO_PHP_FPM, a running /run/php/*.sock, else one started',
  }),
  tlsCert: option({ check: file, help: 'serve HTTPS with this certificate (PEM) ...', scope: 'cli', flag: 'tls-cert', arg: 'FILE', requires: 'tlsKey' }),
  tlsKey: option({ check: file, help: '... and key; SIGHUP reloads both', scope: 'cli', flag: 'tls-key', arg: 'FILE', requires: 'tlsCert' }),
  proxyProtocol: option({
    check: flagOrObject<ProxyProtocolOptions>(), help: 'expect a PROXY protocol v1/v2 header (HAProxy, ELB)', scope: 'serve', flag: 'proxy-protocol', default: false,
  }),
  workers: option({ check: integer(1, 1024, 'an integer from 1 to 1024'), help: 'run N processes sharing the port (node:cluster)', scope: 'cli', flag: 'workers', short: 'w', arg: 'N', default: 1 }),
  accessLog: option({
    check: (v, label, ctx): string | AccessLogHook =>
      ctx.api
        ? typeof v === 'function' ? (v as AccessLogHook) : fail(label, 'a function (entry) => void', v)
        : (functionOr((x, l, c) => (x === '-' ? x : outputPath(x, l, c)))(v, label, ctx) as string | AccessLogHook),
    help: 'write an access log to FILE, or stdout with -', api: 'a function given each entry', scope: 'serve', flag: 'access-log', arg: 'FILE|-',
  }),
  logFormat: option({
    check: logFormat,
    help: "access log format: combined, json, or an nginx log_format TEMPLATE such as '$remote_addr \"$request\" $status $request_time' (unknown variables refused)",
    scope: 'cli', flag: 'log-format', arg: 'combined|json|TEMPLATE', default: 'combined',
  }),
  errorLogFormat: option({
    check: oneOf<ErrorLogFormat>('text', 'json'),
    help: 'error log format on stderr: text (a line of fields, then the stack) or json (one object per line)',
    scope: 'cli', flag: 'error-log-format', arg: 'text|json', default: 'text',
  }),
  status: option({
    check: (v, label): string => (typeof v === 'string' && v.startsWith('/') && v.length > 1 ? v : fail(label, 'a path like /status', v)),
    help: 'serve live counters at PATH (JSON, or HTML for browsers)', scope: 'cli', flag: 'status', arg: 'PATH',
  }),
  metrics: option({
    check: (v, label): string => (typeof v === 'string' && v.startsWith('/') && v.length > 1 ? v : fail(label, 'a path like /metrics', v)),
    help: 'serve Prometheus metrics at PATH: requests, bytes and latency per mount and status class, connections, CGI/FastCGI children (with --workers, the whole cluster)',
    scope: 'cli', flag: 'metrics', arg: 'PATH',
  }),
  limits: option({ check: numbers<Limits>(DEFAULT_LIMITS), help: 'request size limits (maxHeaderBytes, maxBodyBytes, ...)', scope: 'serve', default: DEFAULT_LIMITS, defaultText: 'docs/limits.md' }),
  timeouts: option({ check: numbers<Timeouts>(DEFAULT_TIMEOUTS), help: 'connection timeouts in milliseconds (headersMs, keepAliveMs, ...)', scope: 'serve', default: DEFAULT_TIMEOUTS, defaultText: 'docs/limits.md' }),
  maxConnections: option({ check: positive, help: 'most simultaneous connections; more are refused', scope: 'serve', defaultText: 'no limit' }),
  shutdownTimeoutMs: option({ check: nonNegative, help: 'milliseconds close() waits for in-flight requests before cutting them', scope: 'serve', default: 10_000 }),
  errorPages: option({ check: (v, label): ErrorPages => plainObject(v, label) as ErrorPages, help: 'status (or "default") → page text or function', scope: 'serve' }),
  logger: option({
    check: shaped<Logger>((v) => typeof (v as { error?: unknown } | null)?.error === 'function', 'an object with an error() method'),
    help: 'where errors are logged: { error(message, fields) }', scope: 'serve', defaultText: 'stderr',
  }),
  allowConnect: option({ check: boolean, help: 'let CONNECT requests reach apps (else 501)', scope: 'serve', default: false }),
  redirectHttp: option({
    check: shaped<number | RedirectHttpOptions>(
      (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) || (typeof v === 'object' && v !== null && !Array.isArray(v)),
      'a port (0 to 65535) or { port, httpsPort }',
    ),
    help: 'with TLS: also answer plain HTTP on PORT with a 308 to the same URL on HTTPS', scope: 'serve', flag: 'redirect-http', arg: 'PORT',
    fromFlag: (v) => Number(v),
  }),
  hsts: option({
    check: shaped<boolean | number | HstsOptions>(
      (v) => typeof v === 'boolean' || (typeof v === 'number' && v >= 0) || (typeof v === 'object' && v !== null && !Array.isArray(v)),
      'true, a max-age in seconds, or { maxAge, includeSubDomains, preload }',
    ),
    help: 'send Strict-Transport-Security on HTTPS responses (true: a year)', scope: 'serve', flag: 'hsts', default: false,
  }),
  allowHalfOpen: option({
    check: boolean, help: "answer a client's requests after its FIN (half-close) instead of aborting them", scope: 'serve', flag: 'allow-half-open', default: false,
  }),
  responseTimeoutMs: option({
    check: nonNegative, help: 'milliseconds every app has to start its response before a 504 (0: no limit; a mount may set its own)',
    scope: 'serve', flag: 'response-timeout', arg: 'MS', default: 60_000,
  }),
  rateLimit: option({
    check: rateLimitCheck,
    help: 'limit each client address to RATE requests (10r/s, 600r/m) with N more at once, as nginx limit_req (nodelay); past it 429 with Retry-After. A mount may set its own, or false for none',
    scope: 'serve', flag: 'rate-limit', arg: 'RATE[,burst=N]', perMount: true, defaultText: 'no limit',
  }),
  compression: option({
    check: flagOrObject<CompressionOptions>(), help: 'gzip/brotli for compressible responses (true, or { threshold, ... } in a config file)',
    scope: 'serve', flag: 'compression', perMount: true, default: false,
  }),
  listing: option({
    check: boolean, help: 'static: mounts list a folder that has no index file (HTML, or JSON when Accept asks)',
    scope: 'cli', flag: 'listing', perMount: true, targets: ['static'], default: false,
  }),
  spa: option({
    check: shaped<boolean | string>((v) => typeof v === 'boolean' || (typeof v === 'string' && v !== ''), 'true, false or a file below the root ("200.html")'),
    help: 'static: mounts serve a single-page app: a missing path asked for as HTML gets index.html with 200, as serve -s (a config file may name another file)',
    scope: 'cli', flag: 'spa', perMount: true, targets: ['static'], default: false,
  }),
  cacheControl: option({
    check: shaped<string>((v) => typeof v === 'string' && v.trim() !== '' && isFieldValue(v), 'a Cache-Control field value ("public, max-age=3600")'),
    help: "static: mounts send this Cache-Control with every file (an SPA's index.html keeps no-cache)",
    scope: 'cli', flag: 'cache-control', arg: 'VALUE', perMount: true, targets: ['static'],
  }),
};

export type Options = typeof OPTIONS;
export type OptionKey = keyof Options;
type ValueOf<E> = E extends { check: Check<infer T> } ? T : never;

/** Top-level options a mount may set too. */
type PerMountKey = { [K in OptionKey]: Options[K] extends { perMount: true } ? K : never }[OptionKey];
export type MountKey = keyof typeof MOUNT_OPTIONS | PerMountKey;
export const MOUNT_KEYS: readonly string[] = [
  ...Object.keys(MOUNT_OPTIONS),
  ...Object.entries(OPTIONS).filter(([k, o]) => (o as OptionSpec<unknown>).perMount === true && !(k in MOUNT_OPTIONS)).map(([k]) => k),
];

/** The spec of a mount option (its check; scope and targets for top-level ones), or undefined for an unknown key. */
export const mountOption = (key: string): Pick<OptionSpec<unknown>, 'check' | 'scope' | 'targets'> | undefined =>
  Object.hasOwn(MOUNT_OPTIONS, key)
    ? { ...(MOUNT_OPTIONS as Record<string, { check: Check<unknown> }>)[key]!, scope: 'serve' }
    : MOUNT_KEYS.includes(key) ? (OPTIONS as Record<string, OptionSpec<unknown>>)[key] : undefined;

/** Mount keys only target builders read (static: options of the CLI): the mount tables serve() gets never carry them. */
export const TARGET_MOUNT_KEYS: readonly string[] = MOUNT_KEYS.filter((k) => mountOption(k)!.scope === 'cli');

/** The CLI's configuration, as checked: flags and config files become this object. */
export type PorticoConfig = { [K in OptionKey]?: ValueOf<Options[K]> };

/** Keys serve() takes (the rest are for the CLI and config files). */
export type ServeKey = { [K in OptionKey]: Options[K]['scope'] extends 'serve' ? K : never }[OptionKey];
export const SERVE_KEYS = Object.keys(OPTIONS).filter((k) => OPTIONS[k as OptionKey].scope === 'serve') as ServeKey[];

/** The top-level values of perMount options: every mount's defaults. */
export const mountDefaults = (options: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const k of MOUNT_KEYS) if (!Object.hasOwn(MOUNT_OPTIONS, k) && options[k] !== undefined) out[k] = options[k];
  return out;
};

/** The default of an option, as the schema declares it. */
export const defaultOf = <K extends OptionKey>(key: K): ValueOf<Options[K]> => (OPTIONS[key] as { default?: ValueOf<Options[K]> }).default as ValueOf<Options[K]>;

// Compile-time agreement of the hand-written public types with the schema. A
// type error here names the key that differs: add or fix it on both sides.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** serve()'s forms of these differ from the CLI's (apps are functions, the log is a hook). */
type ApiForm = 'app' | 'mounts' | 'accessLog';
type Expect<T extends true> = T;
type ServeDisagrees = {
  [K in ServeKey]-?: K extends ApiForm ? never : Same<Required<ServeOptions>[K], Required<PorticoConfig>[K]> extends true ? never : K;
}[ServeKey];
export type ServeOptionsMatchSchema = Expect<Same<[keyof ServeOptions, ServeDisagrees], [ServeKey, never]>>;
export type ServeAccessLogFits = Expect<Required<ServeOptions>['accessLog'] extends AccessLogHook ? true : false>;
export type ServeMountsFit = Expect<MountTable extends Record<string, MountSpec> ? true : false>;
type MountValue<K> = K extends keyof typeof MOUNT_OPTIONS ? ValueOf<(typeof MOUNT_OPTIONS)[K]> : K extends OptionKey ? ValueOf<Options[K]> : never;
type MountDisagrees = {
  [K in keyof MountOptions]-?: K extends 'app' ? never : Same<Required<MountOptions>[K], MountValue<K>> extends true ? never : K;
}[keyof MountOptions];
export type MountOptionsMatchSchema = Expect<Same<MountDisagrees, never>>;
