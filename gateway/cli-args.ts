// The command line, turned into the same config object a config file holds
// (uvicorn's main → Config). The flags and --help come from the option schema
// (options-schema.ts): every entry with a `flag` is a flag, the entry with a
// `positional` is MODULE. node:util parseArgs does the tokenizing in strict
// mode; this module renames flags to config keys and rewrites parseArgs' errors
// as one-line ConfigErrors (with a "did you mean" for a mistyped flag). Values
// stay strings here: validateConfig() checks and converts them with the same
// rules as config file values.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config-error.js';
import type { Labeler } from './config.js';
import { didYouMean } from '../adapters/did-you-mean.js';
import { OPTIONS, type OptionKey, type OptionSpec } from './options-schema.js';

/** Flags that steer the command itself rather than set an option. */
const COMMAND_FLAGS: Array<{ flag: string; short: string; arg?: string; help: string }> = [
  { flag: 'config', short: 'c', arg: 'FILE', help: 'read options from FILE (.json, or an ES module exporting the options object); flags win' },
  { flag: 'help', short: 'h', help: 'print this help' },
  { flag: 'version', short: 'v', help: 'print the version' },
];

const entries = Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec<unknown>]>;
const flagged = entries.filter(([, o]) => o.flag !== undefined);

const PARSE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {};
for (const { flag, short, arg, multiple } of [...flagged.map(([, o]) => ({ ...o, flag: o.flag! })), ...COMMAND_FLAGS.map((f) => ({ ...f, multiple: false }))]) {
  PARSE_OPTIONS[flag] = { type: arg === undefined ? 'boolean' : 'string', ...(short ? { short } : {}), ...(multiple ? { multiple: true } : {}) };
}

const HELP_COLUMN = 29;
const WIDTH = 80;

/** One --help entry: the flag column, then the help text wrapped at WIDTH. */
const helpLine = (flag: string, short: string | undefined, arg: string | undefined, text: string): string => {
  const left = `  ${short ? `-${short}, ` : '    '}--${flag}${arg ? ` ${arg}` : ''}`;
  const lines: string[] = [];
  let line = left.length + 1 <= HELP_COLUMN - 1 ? left.padEnd(HELP_COLUMN) : (lines.push(left), ' '.repeat(HELP_COLUMN));
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(HELP_COLUMN);
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
};

const helpText = (o: OptionSpec<unknown>): string => {
  const d = o.defaultText ?? (o.default === undefined || typeof o.default === 'object' || o.default === false ? undefined : String(o.default));
  return d === undefined ? o.help : `${o.help} (default: ${d})`;
};

const positional = entries.find(([, o]) => o.positional !== undefined);

export const HELP = `Usage: portico [options] [${positional?.[1].positional ?? 'MODULE'}]

Serves MODULE (an app: Fetch handler, { fetch } object, (req, res) function,
Express, Koa or Connect app, or a native Portico app; or a folder, whose files
are served as static:DIR) at "/", and any --mount.

Options:
${[...flagged.map(([, o]) => helpLine(o.flag!, o.short, o.arg, helpText(o))), ...COMMAND_FLAGS.map((f) => helpLine(f.flag, f.short, f.arg, f.help))].join('\n')}

Signals: SIGTERM/SIGINT drain in-flight requests, then exit 0; SIGHUP reloads
the whole config (with --workers, a rolling restart; a config that does not
load is refused and the old one keeps serving); SIGUSR1 reopens the access log.
Errors in options print one line and exit with status 2.
Every option, and its config file key: docs/config.md.`;

/** Config keys as the user typed them on the command line. */
export const cliLabel: Labeler = (key) => {
  const o = Object.hasOwn(OPTIONS, key) ? (OPTIONS[key as OptionKey] as OptionSpec<unknown>) : undefined;
  if (o?.flag !== undefined) return '--' + o.flag;
  if (o?.positional !== undefined) return o.positional;
  // serve()'s `path` is what --socket sets.
  if (key === 'path') return '--socket';
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
};

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
    parsed = parseArgs({ args: [...argv], options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw rewriteParseError(err as Error & { code?: string });
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (parsed.positionals.length > 1) {
    throw new ConfigError(`only one MODULE may be given (got ${parsed.positionals.length}); mount more with --mount PREFIX=TARGET`);
  }
  const options: Record<string, unknown> = {};
  for (const [key, o] of flagged) {
    const value = v[o.flag!];
    if (value !== undefined) options[key] = o.fromFlag ? o.fromFlag(value) : value;
  }
  if (positional !== undefined && parsed.positionals[0] !== undefined) options[positional[0]] = parsed.positionals[0];
  return { help: v['help'] === true, version: v['version'] === true, configFile: v['config'] as string | undefined, options };
};

const LONG_FLAGS = Object.keys(PARSE_OPTIONS);

const rewriteParseError = (err: Error & { code?: string }): Error => {
  const flag = /--[\w-]+/.exec(err.message)?.[0] ?? /'(-\w)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(`unknown option ${flag}${flag.startsWith('--') ? didYouMean(flag.slice(2), LONG_FLAGS, (s) => '--' + s) : ''} (see portico --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new ConfigError(/argument missing/.test(err.message) ? `${flag} needs a value` : `${flag} takes no value`);
    default:
      return new ConfigError(err.message.split('\n')[0]!);
  }
};
