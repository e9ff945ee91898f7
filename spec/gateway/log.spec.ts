// The CLI's error log on stderr (gateway/log.ts, adapters/log.ts), as a user
// sees it: an app that throws, run with --error-log-format text (the default)
// and json. Text: the event on one line, the stack as real lines under it.
// JSON: every line one object, with message, code, mount, method, target and
// the stack; adapters' own loggers (CGI here) follow the same format.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startCli } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-error-log-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const APP = path.join(tmp, 'boom.mjs');
fs.writeFileSync(APP, [
  "export const porticoKind = 'native';",
  'export default (env) => {',
  "  if (env.pathInfo === '/coded') throw Object.assign(new Error('coded failure', { cause: new Error('the root cause') }), { code: 'ERR_DEMO' });",
  "  throw new Error('app exploded');",
  '};',
].join('\n'));
const CGI = path.join(tmp, 'cgi');
fs.mkdirSync(CGI);
fs.writeFileSync(path.join(CGI, 'silent.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });

const run = async (t: Parameters<typeof startCli>[0], format: string[]) => {
  const cli = await startCli(t, ['--port', '0', ...format, '--mount', `/boom=${APP}`, '--mount', `/cgi=cgi:${CGI}`]);
  for (const p of ['/boom/x?q=1', '/boom/coded', '/cgi/silent.sh']) {
    const res = await request(cli.url + p);
    await res.body.dump();
  }
  await cli.waitFor(/ERR_CGI_NO_HEADERS/);
  return cli;
};

test('text (the default): the event on one line, then the stack and its cause, line by line', async (t) => {
  const cli = await run(t, []);
  const lines = cli.stderr;
  const event = lines.findIndex((l) => l.includes('error: app failed') && l.includes('target="/boom/x?q=1"'));
  t.true(event >= 0, lines.join('\n'));
  t.regex(lines[event]!, /^\[portico\] \S+ error: app failed mount="\/boom" method="GET" target="\/boom\/x\?q=1" .*cause="Error: app exploded"$/);
  t.is(lines[event + 1], '    Error: app exploded');
  t.regex(lines[event + 2]!, new RegExp(`^ {8}at \\S+ \\(file://${APP.replace(/[.]/g, '\\.')}:4:9\\)$`));
  t.false(lines.some((l) => l.includes('\\n    at ')), 'no stack flattened into one line');
  const coded = lines.findIndex((l) => l.includes('cause="Error [ERR_DEMO]: coded failure"'));
  t.true(coded >= 0);
  t.true(lines.slice(coded).some((l) => l === '    Caused by: Error: the root cause'));
});

test('--error-log-format json: one object per line, the gateway\'s and the adapters\' alike', async (t) => {
  const cli = await run(t, ['--error-log-format', 'json']);
  const records = cli.stderr.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(cli.stderr.every((l) => l.startsWith('{') || l.startsWith('portico: ')), cli.stderr.join('\n'));
  const plain = records.find((r) => r['target'] === '/boom/x?q=1')!;
  t.like(plain, { level: 'error', source: 'error', message: 'app failed', mount: '/boom', method: 'GET', target: '/boom/x?q=1' });
  const cause = plain['cause'] as { name: string; message: string; stack: string[] };
  t.is(cause.message, 'app exploded');
  t.is(cause.stack[0], 'Error: app exploded');
  t.true(cause.stack[1]!.includes(`${APP}:4:9`));
  const coded = records.find((r) => r['target'] === '/boom/coded')!;
  t.is(coded['code'], 'ERR_DEMO');
  t.is((coded['cause'] as { cause: { message: string } }).cause.message, 'the root cause');
  const cgi = records.find((r) => r['code'] === 'ERR_CGI_NO_HEADERS')!;
  t.like(cgi, { source: 'cgi', message: 'program failed', mount: '/cgi' });
});

test('--error-log-format takes text or json', async (t) => {
  const { runCliToEnd } = await import('../helpers/cli.js');
  const r = await runCliToEnd(['--error-log-format', 'xml', APP]);
  t.is(r.status, 2);
  t.regex(r.stderr.join('\n'), /--error-log-format must be one of text, json, got "xml"/);
});
