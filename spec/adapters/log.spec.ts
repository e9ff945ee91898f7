// The console error log's two formats (adapters/log.ts): text puts the fields on
// one line and each error's stack, with its causes, as readable lines under it;
// json writes one object per line with the error as structured fields.

import test from 'ava';
import { formatJsonLine, formatTextLine } from '../../adapters/log.js';

const TIME = new Date('2030-01-02T03:04:05.678Z');

const failure = (): Error => {
  const root = new Error('socket hang up');
  const err = Object.assign(new Error('upstream failed', { cause: root }), { code: 'ERR_DEMO' });
  return err;
};

test('text: one line of fields, then the stack and its causes as indented lines (no literal \\n)', (t) => {
  const err = failure();
  const text = formatTextLine('error', 'app failed', { mount: '/api', method: 'GET', target: '/api/x?y=1', status: 500, cause: err }, TIME);
  const lines = text.split('\n');
  t.is(lines[0], '[portico] 2030-01-02T03:04:05.678Z error: app failed mount="/api" method="GET" target="/api/x?y=1" status=500 cause="Error [ERR_DEMO]: upstream failed"');
  t.is(lines[1], '    Error: upstream failed');
  t.regex(lines[2]!, /^ {8}at failure \(.*log\.spec\.[jt]s:\d+:\d+\)$/);
  const caused = lines.findIndex((l) => l.startsWith('    Caused by: Error: socket hang up'));
  t.true(caused > 2, text);
  t.regex(lines[caused + 1]!, /^ {8}at /);
  t.is(text.endsWith('\n'), true);
  t.false(text.includes('\\n'), 'no escaped newline anywhere');
  // Each line of the stack is a line of the log: as many as the stacks have.
  t.is(lines.length - 2, err.stack!.split('\n').length + (err.cause as Error).stack!.split('\n').length);
});

test('text: strings stay on their line, quoted; objects are JSON; an error without a stack shows its message', (t) => {
  const bare = new TypeError('no stack here');
  bare.stack = undefined;
  const text = formatTextLine('cgi', 'stderr', { line: 'a "quoted"\nmultiline', fields: { a: 1 }, cause: bare }, TIME);
  t.deepEqual(text.split('\n'), [
    '[portico] 2030-01-02T03:04:05.678Z cgi: stderr line="a \\"quoted\\"\\nmultiline" fields={"a":1} cause="TypeError: no stack here"',
    '    TypeError: no stack here',
    '',
  ]);
});

test('json: one object per line with message, code, mount, method, target and the stack as an array', (t) => {
  const err = failure();
  const line = formatJsonLine('error', 'app failed', { mount: '/api', method: 'GET', target: '/api/x', cause: err }, TIME);
  t.true(line.endsWith('\n'));
  t.is(line.trimEnd().split('\n').length, 1);
  const record = JSON.parse(line);
  t.like(record, { time: '2030-01-02T03:04:05.678Z', level: 'error', source: 'error', message: 'app failed', code: 'ERR_DEMO', mount: '/api', method: 'GET', target: '/api/x' });
  t.is(record.cause.name, 'Error');
  t.is(record.cause.message, 'upstream failed');
  t.is(record.cause.code, 'ERR_DEMO');
  t.deepEqual(record.cause.stack, err.stack!.split('\n'));
  t.is(record.cause.cause.message, 'socket hang up');
  t.true(Array.isArray(record.cause.cause.stack));
});

test("json: the record's own keys are not overwritten; an explicit code wins; cycles and BigInts do not throw", (t) => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  const err = Object.assign(new Error('x'), { code: 'ERR_FROM_ERROR' });
  const record = JSON.parse(formatJsonLine('proxy', 'upstream failed', { message: 'spoofed', level: 'debug', cause: err, code: 'ECONNREFUSED', big: 10n }, TIME));
  t.is(record.message, 'upstream failed');
  t.is(record.level, 'error');
  t.is(record.code, 'ECONNREFUSED');
  t.is(record.big, '10');
  const withCycle = JSON.parse(formatJsonLine('error', 'odd', { value: cyclic, mount: '/x' }, TIME));
  t.like(withCycle, { message: 'odd', value: '[object Object]', mount: '/x' });
});
