// needs() as `npm test` meets it on a bare machine: a nested ava run of a spec
// whose program is hidden (PORTICO_MISSING_PROGRAMS) passes with one skip line
// naming the program and its Debian package, and the same run under CI=true
// fails. The nested run is a real ava process on a real spec file.

import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const AVA = path.join(REPO, 'node_modules/ava/entrypoints/cli.mjs');
const SPEC = 'dist/spec/adapters/cgi/contract.spec.js';

const runAva = (env: Record<string, string>): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [AVA, SPEC], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });

test.serial('a hidden program skips its tests with one line, and the run passes', async (t) => {
  const { code, out } = await runAva({ PORTICO_MISSING_PROGRAMS: 'python3', CI: 'false' });
  t.is(code, 0, out);
  t.is(out.split('\n').filter((l) => l.startsWith('skip: ')).join('\n'), 'skip: python3 (Debian package python3) not found; its tests in this file are skipped');
  t.regex(out, /\d+ tests skipped/);
  t.notRegex(out, /passed|failed/);
});

test.serial('under CI=true the same run fails, naming the program', async (t) => {
  const { code, out } = await runAva({ PORTICO_MISSING_PROGRAMS: 'python3', CI: 'true' });
  t.is(code, 1, out);
  t.regex(out, /missing under CI=true: python3 \(Debian package python3\)/);
  t.regex(out, /1 test failed/);
});
