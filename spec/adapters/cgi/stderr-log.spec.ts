// Program stderr is logged line by line with the script, whatever the chunking.

import test from 'ava';
import { StderrLog } from '../../../adapters/cgi/stderr-log.js';
import { captureLog } from './helpers.js';

test('lines are cut at LF across chunks, CR dropped, and the last partial line flushed at the end', (t) => {
  const log = captureLog();
  const stderr = new StderrLog(log, { mount: '/cgi', script: '/cgi/x.sh' });
  stderr.push(Buffer.from('one\r\ntw'));
  stderr.push(Buffer.from('o\nthr'));
  stderr.push(Buffer.from('ee'));
  t.deepEqual(log.lines.map((l) => l.fields['line']), ['one', 'two']);
  stderr.end();
  t.deepEqual(log.lines.map((l) => l.fields['line']), ['one', 'two', 'three']);
  t.deepEqual(log.lines[0], { message: 'stderr', fields: { mount: '/cgi', script: '/cgi/x.sh', line: 'one' } });
});

test('a line without end is logged in bounded pieces, never buffered whole', (t) => {
  const log = captureLog();
  const stderr = new StderrLog(log, { mount: '/cgi', script: '/cgi/x.sh' });
  for (let i = 0; i < 10; i++) stderr.push(Buffer.alloc(4096, 0x61));
  const lengths = log.lines.map((l) => (l.fields['line'] as string).length);
  t.true(lengths.every((n) => n === 8192));
  t.is(lengths.length, 4);
  stderr.end();
  t.is((log.lines.at(-1)!.fields['line'] as string).length, 40960 - 4 * 8192);
});
