// Why a module (a config file, an app) did not load, said so that a person can
// go straight to the line. Node 20's import() rejects with a bare SyntaxError
// ("Unexpected end of input": no file, no line), so on a SyntaxError the module
// is parsed again by `node --check`, which prints file:line, the line and a
// caret without running anything; when the module itself parses, the modules it
// imports statically are checked the same way (breadth first, a bounded number),
// since a syntax error anywhere in the graph fails the import before any code
// runs. Any other error thrown while the module ran is located by the first
// stack frame in a file: URL. JSON config files are located by the parser's
// offset. The excerpt (the line and the caret) goes under the message.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine } from './config-error.js';

export interface LoadFailure {
  /** One line: "file:line:column: SyntaxError: message", or the error's message with where it was thrown. */
  message: string;
  /** The offending line and a caret under it, when known. */
  excerpt?: string;
}

/** Modules checked at most when looking for the one with the syntax error. */
const MAX_CHECKED = 40;

/** `node --check file`: null when it parses, else where and why. */
const checkSyntax = (file: string): LoadFailure | null => {
  const run = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (run.status === 0 || run.error !== undefined) return null;
  // "<file or file: URL>:<line>\n<source line>\n<caret>\n\nSyntaxError: <message>\n    at ..."
  const lines = run.stderr.split('\n');
  const at = /^(.*):(\d+)$/.exec(lines[0] ?? '');
  const reason = lines.find((l) => /^\w*Error: /.test(l));
  if (at === null || reason === undefined) return null;
  const where = at[1]!.startsWith('file:') ? fileURLToPath(at[1]!) : at[1]!;
  const source = lines[1] ?? '';
  const caret = lines[2] ?? '';
  // No caret on an empty line: the file ended early ("Unexpected end of input"), at column 1 of the line past its last.
  const column = /^\s*\^/.test(caret) ? caret.indexOf('^') + 1 : source === '' ? 1 : 0;
  return {
    message: `${where}:${at[2]}${column > 0 ? `:${column}` : ''}: ${reason}`,
    ...(column > 0 && source !== '' ? { excerpt: `${source}\n${caret}` } : {}),
  };
};

// import/export … from '…', import '…', import('…') with a literal: enough to follow a module's own files.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"\n]+)\1/g;

/** The files `file` imports by relative, absolute or file: specifier (packages are not followed). */
const localImports = (file: string): string[] => {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[2]!;
    let target: string;
    if (spec.startsWith('file:')) target = fileURLToPath(spec);
    else if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) target = path.resolve(path.dirname(file), spec);
    else continue;
    if (fs.existsSync(target) && fs.statSync(target).isFile()) out.push(target);
  }
  return out;
};

/** The first module of `file`'s graph that does not parse, breadth first. */
const findSyntaxError = (file: string): LoadFailure | null => {
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0 && seen.size <= MAX_CHECKED) {
    const next = queue.shift()!;
    const failure = checkSyntax(next);
    if (failure !== null) return failure;
    for (const dep of localImports(next)) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return null;
};

/** The first stack frame in a file: URL outside node's internals: where the module threw. */
const thrownAt = (err: unknown): string | null => {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  const frame = /\(?(file:\/\/[^\s)]+):(\d+):(\d+)\)?/.exec(stack);
  if (frame === null) return null;
  try {
    return `${fileURLToPath(frame[1]!.replace(/\?.*$/, ''))}:${frame[2]}:${frame[3]}`;
  } catch {
    return null;
  }
};

/** What went wrong importing `file`. */
export const describeLoadFailure = (file: string, err: unknown): LoadFailure => {
  if (err instanceof SyntaxError) {
    const found = findSyntaxError(file);
    if (found !== null) return found;
  }
  const at = thrownAt(err);
  const name = err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : '';
  return { message: `${name}${firstLine(err)}${at !== null ? ` (at ${at})` : ''}` };
};

/** Where a JSON.parse error points in `text`: "line:column" (null when it gives no offset), why, and the line with a caret. */
export const describeJsonError = (text: string, err: unknown): { at: string | null; reason: string; excerpt?: string } => {
  const reason = firstLine(err);
  const byLine = /\(line (\d+) column (\d+)\)/.exec(reason);
  const byOffset = /at position (\d+)/.exec(reason);
  let line: number;
  let column: number;
  if (byLine !== null) {
    line = Number(byLine[1]);
    column = Number(byLine[2]);
  } else if (byOffset !== null) {
    const before = text.slice(0, Number(byOffset[1]));
    line = before.split('\n').length;
    column = before.length - before.lastIndexOf('\n');
  } else {
    return { at: null, reason };
  }
  const source = text.split('\n')[line - 1] ?? '';
  return { at: `${line}:${column}`, reason, excerpt: `${source}\n${' '.repeat(Math.max(0, column - 1))}^` };
};
