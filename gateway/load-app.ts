// Turns mount targets into apps of the gateway interface. An app module's kind
// decides its adapter; it is taken, first to last, from --kind (or a
// "node:"/"fetch:"/"native:" target prefix), the module's own marker
// (`export const porticoKind = 'native'`), then the shape of its default export:
//   { fetch } object (Hono, Bun/Deno style)          → fetch
//   has .callback() (Koa)                            → node, via app.callback()
//   function with .handle and .use (Express/Connect) → node
//   function whose first parameter is named `env`    → native (env, res)
//   function of two or more parameters               → node (req, res)
//   function of at most one parameter                → fetch (request)
// A native app `(env, res)` has the same shape as `(req, res)`, so the parameter
// name is the only hint (adapters' apps, `nodeApp(app)`, are `(env, res) =>`);
// minified or zero-parameter native apps need the marker or --kind native.
// Adapters are imported lazily, so only the ones a configuration uses are loaded.

import cluster from 'node:cluster';
import fs from 'node:fs';
import type { App } from '../adapters/env.js';
import type { MountOptions, MountTable } from './router.js';
import { ConfigError, firstLine } from './config-error.js';
import { moduleUrl } from './module-url.js';
import { describeLoadFailure } from './module-error.js';
import { phpFpmFromPrimary } from './shared-php-fpm.js';
import { onRetire } from './workers.js';
import { Target, type AppKind, type MountSpec, type TargetType } from './target.js';
import { TARGET_MOUNT_KEYS, mountOption } from './options-schema.js';


type Exported = ((...args: never[]) => unknown) & Record<string, unknown>;

/** The kind the shape of `x` suggests, or null when it is not an app at all. */
export const detectKind = (x: unknown): AppKind | null => {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return null;
  const o = x as Record<string, unknown>;
  if (typeof o['fetch'] === 'function') return 'fetch';
  if (typeof o['callback'] === 'function') return 'node';
  if (typeof x !== 'function') return null;
  if (typeof o['handle'] === 'function' && typeof o['use'] === 'function') return 'node';
  if (firstParameter(x as (...a: unknown[]) => unknown) === 'env') return 'native';
  return (x as (...a: unknown[]) => unknown).length >= 2 ? 'node' : 'fetch';
};

/** The name of a function's first parameter, read from its source text (undefined if it has none or is native code). */
export const firstParameter = (fn: (...a: unknown[]) => unknown): string | undefined => {
  const src = Function.prototype.toString.call(fn);
  const m =
    /^(?:async\s+)?(?:function\s*\*?\s*[\w$]*\s*)?\(\s*([\w$]+)/.exec(src) ?? // function f(a, …), (a, …) =>
    /^(?:async\s+)?([\w$]+)\s*=>/.exec(src) ?? // a =>
    /^(?:async\s+)?\*?\s*[\w$]+\s*\(\s*([\w$]+)/.exec(src); // method(a, …) { … }
  return m?.[1];
};

/** Wraps `exported` for its kind; `where` names it in errors. */
export const wrapApp = async (exported: unknown, kind: AppKind, where: string): Promise<App> => {
  switch (kind) {
    case 'native':
      if (typeof exported !== 'function') throw new ConfigError(`${where}: a native app must be a function (env, res), got ${typeof exported}`);
      return exported as App;
    case 'node': {
      const { nodeApp } = await import('../adapters/node/index.js');
      const o = exported as Exported;
      // Koa apps are not request listeners themselves; callback() makes one.
      const handler = typeof o?.['callback'] === 'function' && typeof exported !== 'function' ? (o['callback'] as () => unknown)() : exported;
      if (typeof handler !== 'function') throw new ConfigError(`${where}: a node app must be a (req, res) function or an Express/Koa/Connect app`);
      return nodeApp(handler as Parameters<typeof nodeApp>[0]);
    }
    case 'fetch': {
      const { fetchApp } = await import('../adapters/fetch/index.js');
      if (typeof exported !== 'function' && typeof (exported as Exported)?.['fetch'] !== 'function') {
        throw new ConfigError(`${where}: a fetch app must be a (request) => Response function or an object with fetch()`);
      }
      return fetchApp(exported as Parameters<typeof fetchApp>[0]);
    }
  }
};

/** Imports an app module and wraps its default export for its kind. */
export const loadModuleApp = async (file: string, forced: AppKind | undefined, where: string): Promise<App> => {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl(file))) as Record<string, unknown>;
  } catch (err) {
    const failure = describeLoadFailure(file, err);
    throw new ConfigError(`${where}: cannot load ${file}: ${failure.message}`, { excerpt: failure.excerpt });
  }
  // A module may export fetch() itself instead of a default (`export function fetch`).
  const exported = mod['default'] ?? (typeof mod['fetch'] === 'function' ? mod : undefined);
  if (exported === undefined) throw new ConfigError(`${where}: ${file} has no default export`);
  const marker = mod['porticoKind'];
  if (marker !== undefined && marker !== 'node' && marker !== 'fetch' && marker !== 'native') {
    throw new ConfigError(`${where}: porticoKind must be "node", "fetch" or "native", got ${JSON.stringify(marker)}`);
  }
  const kind = forced ?? (marker as AppKind | undefined) ?? detectKind(exported);
  if (kind === null) throw new ConfigError(`${where}: the default export of ${file} is not an app (a function, or an object with fetch() or callback())`);
  return wrapApp(exported, kind, where);
};

/** The address of a php-fpm this machine runs: PORTICO_PHP_FPM, else Debian's /run/php/php8.2-fpm.sock (newest first), or null. */
const findPhpFpmAddress = (): string | null => {
  const override = process.env['PORTICO_PHP_FPM'];
  if (override !== undefined && override !== '') return override;
  let names: string[];
  try {
    names = fs.readdirSync('/run/php');
  } catch {
    return null;
  }
  const socket = names.filter((n) => /^php[\d.]*-fpm\.sock$/.test(n)).sort().reverse()[0];
  return socket === undefined ? null : `unix:/run/php/${socket}`;
};

/**
 * In a --workers worker, a FastCGI app keeps no connection once a rolling
 * reload retires the worker (close() still serves what comes): each kept
 * connection holds a php-fpm child that the successors need.
 */
const keptUntilRetired = <T extends { close(): Promise<void> }>(app: T): T => {
  if (cluster.isWorker) onRetire(() => void app.close());
  return app;
};

/** The app a target stands for; `kind` is --kind, for modules without a prefix. */
export const loadTarget = async (target: Target, kind: AppKind | undefined, where: string, options: Record<string, unknown> = {}): Promise<App> => {
  try {
    return await buildTarget(target, kind, where, options);
  } catch (err) {
    // Adapters check their options when built (a static root that is a file...): name the mount.
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${where}: ${firstLine(err)}`);
  }
};

/**
 * One builder per target type (target.ts's TARGET_KINDS parses them). `options`
 * are the mount's effective options (top-level perMount values, then the
 * mount's own), for adapters that take some of them.
 */
const BUILDERS: Record<TargetType, (target: Target, kind: AppKind | undefined, where: string, options: Record<string, unknown>) => Promise<App>> = {
  module: (target, kind, where) => loadModuleApp(target.location, target.kind ?? kind, where),
  cgi: async (target) => {
    const { cgiApp } = await import('../adapters/cgi/index.js');
    return cgiApp({ root: target.location });
  },
  static: async (target, _kind, _where, options) => {
    const { staticApp } = await import('../adapters/static/index.js');
    const { listing, spa, cacheControl } = options as { listing?: boolean; spa?: boolean | string; cacheControl?: string };
    return staticApp({
      root: target.location,
      ...(listing !== undefined && { listDirectories: listing }),
      ...(spa !== undefined && { spa }),
      ...(cacheControl !== undefined && { cacheControl }),
    });
  },
  proxy: async (target) => {
    const { proxyApp } = await import('../adapters/proxy/index.js');
    return proxyApp({ upstream: target.location });
  },
  php: async (target, _kind, where, options) => {
    const { fastcgiApp, startPhpFpm } = await import('../adapters/fastcgi/index.js');
    const given = options['phpFpm'] as string | undefined;
    const address = given === 'start' ? null : (given ?? findPhpFpmAddress());
    if (address !== null) return keptUntilRetired(fastcgiApp({ address, root: target.location }));
    if (cluster.isWorker) {
      // Under --workers the primary starts one php-fpm for every worker (shared-php-fpm.ts).
      const shared = await phpFpmFromPrimary(where);
      return keptUntilRetired(fastcgiApp({ address: shared.address, root: target.location, maxConnections: shared.children }));
    }
    // None given or running: start one for this mount. Closing the app stops it (launch's stop()
    // closes the apps it loaded); a process exit or a SIGKILL stops it too (php-fpm.ts).
    const fpm = await startPhpFpm();
    const app = fastcgiApp({ address: fpm.address, root: target.location, maxConnections: fpm.children });
    const closeConnections = app.close;
    return Object.assign(app, { close: () => closeConnections().then(() => fpm.close()) });
  },
  fcgi: async (target) => {
    const { fastcgiApp } = await import('../adapters/fastcgi/index.js');
    return keptUntilRetired(fastcgiApp({ address: target.location }));
  },
};

const buildTarget = (target: Target, kind: AppKind | undefined, where: string, options: Record<string, unknown>): Promise<App> =>
  BUILDERS[target.type](target, kind, where, options);

/** Loads every target of a mount table (config.app becomes the "/" mount); `wrap` sees each loaded target's app. */
export const loadMounts = async (
  mounts: Record<string, MountSpec> | undefined,
  app: MountSpec | undefined,
  kind: AppKind | undefined,
  wrap: (app: App, target: Target) => App = (a) => a,
  defaults: Record<string, unknown> = {},
): Promise<MountTable> => {
  const specs: Record<string, MountSpec> = { ...mounts };
  if (app !== undefined) specs['/'] = app;
  checkTargetOptions(specs, defaults);
  const table: MountTable = {};
  for (const [prefix, spec] of Object.entries(specs)) {
    const where = `mount ${prefix || '/'}`;
    if (spec instanceof Target) table[prefix] = wrap(await loadTarget(spec, kind, where, defaults), spec);
    else if (typeof spec === 'function') table[prefix] = spec;
    else {
      const inner = spec.app instanceof Target ? wrap(await loadTarget(spec.app, kind, where, { ...defaults, ...spec }), spec.app) : spec.app;
      // The builder took the target's own options (listing, spa...); serve() gets the rest.
      const rest = Object.fromEntries(Object.entries(spec).filter(([k]) => !TARGET_MOUNT_KEYS.includes(k)));
      table[prefix] = { ...rest, app: inner } as MountOptions;
    }
  }
  return table;
};

const targetOf = (spec: MountSpec): Target | null => (spec instanceof Target ? spec : typeof spec === 'function' ? null : spec.app instanceof Target ? spec.app : null);

/**
 * Options that only some targets read (--spa: static mounts) must reach one: a
 * mount of another kind that sets it, or a top-level value with no such mount
 * (`portico --spa ./app.mjs`), would be ignored without a word, so it is an error.
 */
const checkTargetOptions = (specs: Record<string, MountSpec>, defaults: Record<string, unknown>): void => {
  const types = Object.values(specs).map((s) => targetOf(s)?.type);
  for (const [prefix, spec] of Object.entries(specs)) {
    if (typeof spec === 'function' || spec instanceof Target) continue;
    for (const key of Object.keys(spec)) {
      const targets = mountOption(key)?.targets;
      const type = targetOf(spec)?.type;
      if (targets !== undefined && (type === undefined || !targets.includes(type))) {
        throw new ConfigError(`mount ${prefix || '/'}: "${key}" applies to ${targets.map((t) => t + ':').join(' ')} mounts only, not to ${type === undefined ? 'an app' : type === 'module' ? 'an app module' : `a ${type}: mount`}`);
      }
    }
  }
  for (const [key, value] of Object.entries(defaults)) {
    const targets = mountOption(key)?.targets;
    if (targets === undefined || value === undefined || value === false) continue;
    if (!types.some((t) => t !== undefined && targets.includes(t))) {
      const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      const hint = targets.includes('static') ? ' (a folder is one: portico ./dist, or --mount /=static:./dist)' : '';
      throw new ConfigError(`${flag} applies to ${targets.map((t) => t + ':').join(' ')} mounts, and none is mounted${hint}`);
    }
  }
};
