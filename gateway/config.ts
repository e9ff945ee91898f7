// The `portico` CLI's configuration and serve()'s options, checked against one
// schema (options-schema.ts). Flags (cli-args.ts), a config file (JSON, or an
// ES module whose default export is the object) and serve() calls all go
// through validateOptions(), so an unknown key, a wrong type or a missing file
// is one ConfigError with a one-line message naming the flag or key (with a
// "did you mean" when a known one is close); flags win over the file. The CLI
// prints the message and exits with status 2, as uvicorn's main does.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.js';
import { moduleUrl } from './module-url.js';
import { describeJsonError, describeLoadFailure } from './module-error.js';
import { didYouMean } from '../adapters/did-you-mean.js';
import { describe, plainObject, type CheckContext } from './option-checks.js';
import { OPTIONS, type OptionKey, type OptionSpec, type PorticoConfig } from './options-schema.js';

export { ConfigError };
export type { PorticoConfig };

/** Names a key for messages: "--port" for flags, 'portico.json: "port"' for files, 'serve(): "port"' for the API. */
export type Labeler = (key: string) => string;
export const flagLabel: Labeler = (key) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
export const apiLabel: Labeler = (key) => `serve(): "${key}"`;

const known = Object.keys(OPTIONS);

/**
 * Checks `raw` key by key and returns a clean copy with paths resolved against
 * `base` (the config file's folder, or the working directory for flags).
 */
export const validateConfig = (raw: unknown, label: Labeler, base: string): PorticoConfig =>
  validateOptions(raw, label, { base, api: false }) as PorticoConfig;

/** The one walk over the schema, for config files, flags (api: false) and serve() (api: true). */
export const validateOptions = (raw: unknown, label: Labeler, ctx: CheckContext): Record<string, unknown> => {
  const o = plainObject(raw, label('(config)').replace(/^--/, ''));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    const spec = Object.hasOwn(OPTIONS, key) ? (OPTIONS[key as OptionKey] as OptionSpec<unknown>) : undefined;
    if (spec === undefined) {
      const hint = didYouMean(key, ctx.api ? known.filter((k) => OPTIONS[k as OptionKey].scope === 'serve') : known);
      throw new ConfigError(`${label(key)}: unknown option${hint || ` (known: ${known.join(', ')})`}`);
    }
    if (ctx.api && spec.scope !== 'serve') throw new ConfigError(`${label(key)}: not a serve() option (the CLI and config files take it)`);
    out[key] = spec.check(value, label(key), ctx);
  }
  for (const key of Object.keys(out)) {
    const needs = (OPTIONS[key as OptionKey] as OptionSpec<unknown>).requires;
    if (needs !== undefined && out[needs] === undefined) throw new ConfigError(`${label(key)} needs ${label(needs)} too`);
  }
  return out;
};

/** Loads a config file: JSON, or an ES module (.mjs/.js/.cjs) whose default export is the object. */
export const loadConfigFile = async (file: string): Promise<PorticoConfig> => {
  const p = path.resolve(file);
  if (!fs.existsSync(p)) throw new ConfigError(`--config: no such file: ${p}`);
  const name = path.basename(p);
  const label: Labeler = (key) => `${name}: "${key}"`;
  let raw: unknown;
  if (p.endsWith('.json')) {
    const text = fs.readFileSync(p, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const failure = describeJsonError(text, err);
      throw new ConfigError(`${name}${failure.at === null ? '' : `:${failure.at}`}: not valid JSON (${failure.reason})`, { excerpt: failure.excerpt });
    }
  } else {
    try {
      const mod = (await import(moduleUrl(p))) as { default?: unknown };
      raw = mod.default;
    } catch (err) {
      const failure = describeLoadFailure(p, err);
      throw new ConfigError(`${name}: cannot load: ${failure.message}`, { excerpt: failure.excerpt });
    }
    if (raw === undefined) throw new ConfigError(`${name}: has no default export (export default { port: 8080, ... })`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${name}: must hold an object, got ${describe(raw)}`);
  return validateConfig(raw, label, path.dirname(p));
};

export { firstLine } from './config-error.js';

/** Flags over file: mount tables are merged (a flag's mount replaces the file's at the same prefix). */
export const mergeConfig = (file: PorticoConfig, flags: PorticoConfig): PorticoConfig => {
  const merged: PorticoConfig = { ...file, ...flags };
  if (file.mounts !== undefined && flags.mounts !== undefined) merged.mounts = { ...file.mounts, ...flags.mounts };
  return merged;
};
