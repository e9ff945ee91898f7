// The options reference of docs/config.md, written from the option schema, so
// that the docs list every option with its flag, default and help exactly as
// --help and the validator know them. `npm run docs:config` rewrites the part
// of docs/config.md between the two markers; spec/gateway/options-reference
// fails when that part differs from what this module writes.

import fs from 'node:fs';
import { MOUNT_OPTIONS, OPTIONS, type OptionKey, type OptionSpec } from './options-schema.js';
import { TARGET_KINDS } from './target.js';

export const BEGIN = '<!-- options:begin (npm run docs:config writes this part from gateway/options-schema.ts) -->';
export const END = '<!-- options:end -->';
const MARK = '<!-- options:begin';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => '`' + s + '`';

const defaultCell = (o: OptionSpec<unknown>): string => {
  if (o.defaultText !== undefined) return cell(o.defaultText);
  if (o.default === undefined) return '';
  return code(JSON.stringify(o.default));
};

/** The generated Markdown: options, mount options, target kinds. */
export const optionsReference = (): string => {
  const lines = [
    BEGIN,
    '',
    '### Options',
    '',
    '| Key | CLI flag | serve() | Per mount | Default | What it does |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const [key, o] of Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec<unknown>]>) {
    const flag = o.flag !== undefined ? code(`${o.short ? `-${o.short}, ` : ''}--${o.flag}${o.arg ? ` ${o.arg}` : ''}`) : o.positional !== undefined ? code(o.positional) : '';
    const api = o.scope !== 'serve' ? 'no' : o.api !== undefined ? cell(o.api) : 'yes';
    lines.push(`| ${code(key)} | ${cell(flag)} | ${api} | ${o.perMount ? 'yes' : ''} | ${defaultCell(o)} | ${cell(o.help)} |`);
  }
  lines.push('', '### Mount options', '', 'A mount given as an object (`{ app, ... }`) may set these:', '', '| Key | What it does |', '| --- | --- |');
  for (const [key, o] of Object.entries(MOUNT_OPTIONS)) lines.push(`| ${code(key)} | ${cell(o.help)} |`);
  for (const [key, o] of Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec<unknown>]>) {
    if (o.perMount && !(key in MOUNT_OPTIONS)) lines.push(`| ${code(key)} | ${cell(o.help)} (default: the top-level value) |`);
  }
  lines.push('', '### Targets', '', 'A TARGET string (CLI, config files) is an app module path, a folder (served as `static:`, as `npx serve dist`), or one of:', '', '| TARGET | Serves |', '| --- | --- |');
  for (const [name, k] of Object.entries(TARGET_KINDS)) lines.push(`| ${code(`${name}:${k.syntax}`)} | ${cell(k.help)} |`);
  lines.push('', END);
  return lines.join('\n');
};

/** docs/config.md with its generated part replaced (or appended when the markers are missing). */
export const withReference = (doc: string): string => {
  const start = doc.indexOf(MARK);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1) return doc.trimEnd() + '\n\n' + optionsReference() + '\n';
  return doc.slice(0, start) + optionsReference() + doc.slice(end + END.length);
};

/** The generated part as found in `doc`, for the spec that keeps the docs honest. */
export const referenceIn = (doc: string): string | null => {
  const start = doc.indexOf(MARK);
  const end = doc.indexOf(END);
  return start === -1 || end === -1 ? null : doc.slice(start, end + END.length);
};

/** Rewrites the generated part of `file` (npm run docs:config). */
export const writeReference = (file: string): void => {
  fs.writeFileSync(file, withReference(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''));
};
