// The record parser fed every way a socket can cut its input: the whole
// stream at once, one byte at a time, and split in two at every byte boundary.
// Stream content comes out in pieces as it arrives; joined, the pieces must be
// the records' content exactly, whatever the cuts, with padding skipped.

import test from 'ava';
import { RecordParser, FastCgiProtocolError, type RecordEvent } from '../../../adapters/fastcgi/record-parser.js';
import { RecordType, recordParts, streamRecords } from '../../../adapters/fastcgi/protocol.js';

const endRequest = (id: number, appStatus: number, protocolStatus: number): Buffer => {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus, 0);
  body[4] = protocolStatus;
  return Buffer.concat(recordParts(RecordType.EndRequest, id, body));
};

/** An answer as php-fpm sends it, with a record of another request interleaved and an unknown record type. */
const ANSWER = Buffer.concat([
  ...streamRecords(RecordType.Stdout, 1, Buffer.from('Status: 201 Created\r\nContent-Type: text/plain\r\n\r\nhel')),
  ...streamRecords(RecordType.Stdout, 2, Buffer.from('not ours')),
  ...streamRecords(RecordType.Stderr, 1, Buffer.from('PHP message: careful\n')),
  ...streamRecords(RecordType.Stdout, 1, Buffer.from('lo')),
  ...recordParts(RecordType.GetValuesResult, 0, Buffer.from([3, 1, 0x4d, 0x50, 0x58, 0x30].slice(0, 6))),
  ...streamRecords(RecordType.Stdout, 1, Buffer.alloc(0)),
  ...streamRecords(RecordType.Stderr, 1, Buffer.alloc(0)),
  endRequest(2, 0, 0),
  endRequest(1, 7, 0),
]);

/** Joins consecutive stream pieces of the same type and id, so events compare across cuts. */
const normalise = (events: RecordEvent[]): unknown[] => {
  const out: Array<Record<string, unknown>> = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if ((e.type === 'stdout' || e.type === 'stderr') && last !== undefined && last['type'] === e.type && last['requestId'] === e.requestId) {
      last['data'] = Buffer.concat([last['data'] as Buffer, e.data]);
      continue;
    }
    out.push(e.type === 'stdout' || e.type === 'stderr' ? { ...e, data: Buffer.from(e.data) } : { ...e });
  }
  return out.map((e) => ('data' in e ? { ...e, data: (e['data'] as Buffer).toString('latin1') } : 'content' in e ? { ...e, content: (e['content'] as Buffer).toString('hex') } : e));
};

const EXPECTED = [
  { type: 'stdout', requestId: 1, data: 'Status: 201 Created\r\nContent-Type: text/plain\r\n\r\nhel' },
  { type: 'stdout', requestId: 2, data: 'not ours' },
  { type: 'stderr', requestId: 1, data: 'PHP message: careful\n' },
  { type: 'stdout', requestId: 1, data: 'lo' },
  { type: 'other', recordType: RecordType.GetValuesResult, requestId: 0, content: '03014d505830' },
  { type: 'stdout-end', requestId: 1 },
  { type: 'stderr-end', requestId: 1 },
  { type: 'end-request', requestId: 2, appStatus: 0, protocolStatus: 0 },
  { type: 'end-request', requestId: 1, appStatus: 7, protocolStatus: 0 },
];

const feed = (pieces: Buffer[]): { events: RecordEvent[]; parser: RecordParser } => {
  const parser = new RecordParser();
  const events: RecordEvent[] = [];
  for (const p of pieces) events.push(...parser.push(p));
  return { events, parser };
};

test('the whole answer at once', (t) => {
  const { events, parser } = feed([ANSWER]);
  t.deepEqual(normalise(events), EXPECTED);
  t.true(parser.idle);
});

test('one byte at a time', (t) => {
  const bytes = [...ANSWER].map((b) => Buffer.from([b]));
  const { events, parser } = feed(bytes);
  t.deepEqual(normalise(events), EXPECTED);
  t.true(parser.idle);
});

test('split in two at every boundary', (t) => {
  for (let at = 1; at < ANSWER.length; at++) {
    const { events, parser } = feed([ANSWER.subarray(0, at), ANSWER.subarray(at)]);
    t.deepEqual(normalise(events), EXPECTED, `cut at ${at}`);
    t.true(parser.idle);
  }
});

test('idle only between records: a header, content or padding still pending is not idle', (t) => {
  const parser = new RecordParser();
  const record = Buffer.concat(streamRecords(RecordType.Stdout, 1, Buffer.from('abc')));
  for (let i = 0; i < record.length - 1; i++) {
    parser.push(record.subarray(i, i + 1));
    t.false(parser.idle, `after ${i + 1} bytes`);
  }
  parser.push(record.subarray(record.length - 1));
  t.true(parser.idle);
});

test('stream content is passed on as it arrives, not held until the record ends', (t) => {
  const parser = new RecordParser();
  const record = Buffer.concat(streamRecords(RecordType.Stdout, 1, Buffer.alloc(65_535, 0x78)));
  const first = parser.push(record.subarray(0, 8 + 1000));
  t.is(first.length, 1);
  t.is((first[0] as { data: Buffer }).data.length, 1000);
});

test('a record of another version is a protocol error', (t) => {
  const bad = Buffer.concat(streamRecords(RecordType.Stdout, 1, Buffer.from('x')));
  bad[0] = 2;
  t.throws(() => new RecordParser().push(bad), { instanceOf: FastCgiProtocolError });
});

test('an END_REQUEST shorter than 8 bytes is a protocol error', (t) => {
  const short = Buffer.concat(recordParts(RecordType.EndRequest, 1, Buffer.alloc(4)));
  t.throws(() => new RecordParser().push(short), { instanceOf: FastCgiProtocolError });
});
