// A config or app module that does not load is reported where it is broken
// (gateway/module-error.ts): file:line:column and the SyntaxError's message on
// the CLI's one line, the offending line and a caret under it; for a module the
// broken one imports, that module; for a module that throws while it runs, the
// place it threw; for a JSON config, the line and column of the parse error.

import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliToEnd } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-module-error-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

const BROKEN_APP = "export const porticoKind = 'native';\nexport default (env) => {\n  return { status: 200, body: String(env.path };\n};\n";

/** Runs the CLI to its exit; its stderr must be the portico line plus `extra` lines, status 2. */
const failure = async (t: ExecutionContext, args: string[], extra: number): Promise<string[]> => {
  const r = await runCliToEnd(['--port', '0', ...args]);
  t.is(r.status, 2, r.stderr.join('\n'));
  t.is(r.stderr.length, 1 + extra, r.stderr.join('\n'));
  t.regex(r.stderr[0]!, /^portico: /);
  t.false(r.stderr.some((l) => /^\s+at \S+ \(/.test(l)), 'no stack trace');
  return r.stderr;
};

test('an app module with a syntax error: file:line:column, the message, the line and a caret', async (t) => {
  const file = write('broken-app.mjs', BROKEN_APP);
  const lines = await failure(t, [file], 2);
  t.is(lines[0], `portico: mount /: cannot load ${file}: ${file}:3:42: SyntaxError: missing ) after argument list`);
  t.is(lines[1], '      return { status: 200, body: String(env.path };');
  t.is(lines[2], '    ' + ' '.repeat(41) + '^^^^', 'the caret sits under column 42');
});

test('a config module with a syntax error, and one cut short', async (t) => {
  const bad = write('bad-syntax.config.mjs', "export default {\n  port: 0,\n  mounts: { '/': 'static:.' },,\n};\n");
  const lines = await failure(t, ['--config', bad], 2);
  t.is(lines[0], `portico: bad-syntax.config.mjs: cannot load: ${bad}:3:31: SyntaxError: Unexpected token ','`);
  t.is(lines[1], "      mounts: { '/': 'static:.' },,");
  t.is(lines[2], '    ' + ' '.repeat(30) + '^');
  const short = write('short.config.mjs', "export default {\n  port: 0,\n  mounts: { '/': 'static:.' }\n");
  const cut = await failure(t, ['--config', short], 0);
  t.is(cut[0], `portico: short.config.mjs: cannot load: ${short}:4:1: SyntaxError: Unexpected end of input`);
});

test('a syntax error in a module the config imports names that module', async (t) => {
  const app = write('imported-broken.mjs', BROKEN_APP);
  const config = write('imports.config.mjs', "import app from './imported-broken.mjs';\nexport default { mounts: { '/': app } };\n");
  const lines = await failure(t, ['--config', config], 2);
  t.is(lines[0], `portico: imports.config.mjs: cannot load: ${app}:3:42: SyntaxError: missing ) after argument list`);
});

test('a module that throws while it runs: where it threw; a SyntaxError it throws is not taken for a parse error', async (t) => {
  const throws = write('throws-late.mjs', "export const x = 1;\n\nthrow new RangeError('no config for you');\n");
  const lines = await failure(t, [throws], 0);
  t.is(lines[0], `portico: mount /: cannot load ${throws}: RangeError: no config for you (at ${throws}:3:7)`);
  const parses = write('parses-json.config.mjs', "const settings = JSON.parse('{ broken');\nexport default settings;\n");
  const json = await failure(t, ['--config', parses], 0);
  t.regex(json[0]!, new RegExp(`^portico: parses-json\\.config\\.mjs: cannot load: SyntaxError: .*JSON.* \\(at ${parses.replace(/\./g, '\\.')}:1:23\\)$`));
});

test('a JSON config file: line and column of the parse error, the line and a caret', async (t) => {
  const file = write('broken.json', '{\n  "port": 0,\n  "mounts": { "/": "static:." },\n}\n');
  const lines = await failure(t, ['--config', file], 2);
  t.regex(lines[0]!, /^portico: broken\.json:4:1: not valid JSON \(.+\)$/);
  t.is(lines[1], '    }');
  t.is(lines[2], '    ^');
});
