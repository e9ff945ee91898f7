// FastCGI records byte for byte against the specification's layouts (§3.3
// header, §3.4 name-value pairs, §5.1 BEGIN_REQUEST, §5.4 ABORT_REQUEST), and
// streams cut at 65535 bytes with 8-byte padding.

import test from 'ava';
import { RecordType, abortRequest, beginRequest, decodePairs, encodePairs, recordParts, requestHead, streamRecords } from '../../../adapters/fastcgi/protocol.js';
import { parseAddress } from '../../../adapters/fastcgi/address.js';
import { OptionError } from '../../../adapters/option-error.js';

const hex = (b: Buffer): string => b.toString('hex').replace(/(..)/g, '$1 ').trim();

test('BEGIN_REQUEST: version 1, type 1, id, length 8, responder role, FCGI_KEEP_CONN, reserved zeros', (t) => {
  t.is(hex(beginRequest(0x0102, true)), '01 01 01 02 00 08 00 00 00 01 01 00 00 00 00 00');
  t.is(hex(beginRequest(1, false)), '01 01 00 01 00 08 00 00 00 01 00 00 00 00 00 00');
});

test('ABORT_REQUEST has no content and no padding', (t) => {
  t.is(hex(abortRequest(5)), '01 02 00 05 00 00 00 00');
});

test('a record is padded to a multiple of 8 bytes with zeros', (t) => {
  const r = Buffer.concat(recordParts(RecordType.Stdin, 3, Buffer.from('abc')));
  t.is(hex(r), '01 05 00 03 00 03 05 00 61 62 63 00 00 00 00 00');
  const eight = Buffer.concat(recordParts(RecordType.Stdin, 3, Buffer.from('abcdefgh')));
  t.is(eight.length, 16);
  t.is(eight[6], 0);
});

test('an empty stream record ends the stream', (t) => {
  t.is(hex(Buffer.concat(streamRecords(RecordType.Params, 1, Buffer.alloc(0)))), '01 04 00 01 00 00 00 00');
});

test('a stream chunk longer than 65535 bytes becomes several records, each padded', (t) => {
  const data = Buffer.alloc(70_000, 0x61);
  const out = Buffer.concat(streamRecords(RecordType.Stdin, 9, data));
  t.is(out.readUInt16BE(4), 65_535);
  t.is(out[6], 1);
  const second = 8 + 65_535 + 1;
  t.is(out[second + 1], RecordType.Stdin);
  t.is(out.readUInt16BE(second + 4), 70_000 - 65_535);
  t.is(out[second + 6], 7);
  t.is(out.length, second + 8 + 4465 + 7);
  t.throws(() => recordParts(RecordType.Stdin, 1, Buffer.alloc(65_536)), { instanceOf: RangeError });
});

test('name-value pairs: one-byte lengths below 128, four bytes with the high bit from 128', (t) => {
  t.is(hex(encodePairs({ A: 'b' })), '01 01 41 62');
  const long = 'x'.repeat(128);
  const enc = encodePairs({ N: long });
  t.is(hex(enc.subarray(0, 6)), '01 80 00 00 80 4e');
  t.is(enc.length, 1 + 4 + 1 + 128);
  const edge = encodePairs({ [('n'.repeat(127))]: 'v'.repeat(127) });
  t.is(edge[0], 127);
  t.is(edge[1], 127);
  // Characters past 0xFF keep their low byte, as Buffer.from(s, 'latin1') does, in short strings and long ones.
  for (const value of ['a\u0141', 'b\u0142'.repeat(40)]) {
    t.deepEqual(encodePairs({ X: value }), Buffer.concat([Buffer.from([1, value.length]), Buffer.from('X' + value, 'latin1')]));
  }
});

test('name-value pairs round-trip, empty values and 64 KiB values included, bytes kept one to one', (t) => {
  const pairs = { SCRIPT_NAME: '/index.php', EMPTY: '', BIG: 'z'.repeat(65_536), LATIN1: 'caf\u00e9', HTTP_X: 'a=b; c' };
  t.deepEqual(Object.fromEntries(decodePairs(encodePairs(pairs))), pairs);
  t.throws(() => decodePairs(Buffer.from([5, 1, 0x41])), { instanceOf: RangeError });
  t.throws(() => decodePairs(Buffer.from([0x80, 0])), { instanceOf: RangeError });
});

test('a request head is BEGIN_REQUEST, the params records, their end and (without a body) the end of STDIN, as separate records would be', (t) => {
  const empty = Buffer.alloc(0);
  const records = (id: number, params: Record<string, string>, endStdin: boolean): Buffer =>
    Buffer.concat([
      beginRequest(id, true),
      ...streamRecords(RecordType.Params, id, encodePairs(params)),
      ...streamRecords(RecordType.Params, id, empty),
      ...(endStdin ? streamRecords(RecordType.Stdin, id, empty) : []),
    ]);
  const small = { SCRIPT_FILENAME: '/srv/index.php', QUERY_STRING: '', HTTP_COOKIE: 'c'.repeat(200), LATIN1: 'caf\u00e9' };
  const padded = { A: 'bc' }; // 5 bytes of pairs, 3 of padding
  const large = { HTTP_COOKIE: 'k'.repeat(70_000), SCRIPT_NAME: '/x.php' }; // past one record's 65535 bytes
  for (const params of [small, padded, large, {}]) {
    for (const endStdin of [true, false]) t.deepEqual(requestHead(0x0203, params, endStdin), records(0x0203, params, endStdin));
  }
  t.is(hex(requestHead(1, padded, true)), '01 01 00 01 00 08 00 00 00 01 01 00 00 00 00 00 01 04 00 01 00 05 03 00 01 02 41 62 63 00 00 00 01 04 00 01 00 00 00 00 01 05 00 01 00 00 00 00');
});

test('addresses as fastcgi_pass spells them', (t) => {
  t.deepEqual(parseAddress('unix:/run/php/php8.2-fpm.sock').connect, { path: '/run/php/php8.2-fpm.sock' });
  t.deepEqual(parseAddress('/tmp/x.sock').connect, { path: '/tmp/x.sock' });
  t.deepEqual(parseAddress('127.0.0.1:9000').connect, { host: '127.0.0.1', port: 9000 });
  t.deepEqual(parseAddress('[::1]:9000').connect, { host: '::1', port: 9000 });
  t.deepEqual(parseAddress('localhost:9000').connect, { host: 'localhost', port: 9000 });
  for (const bad of ['', 'unix:', 'localhost', 'host:0', 'host:70000', 'http://x:9000']) t.throws(() => parseAddress(bad), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION' } as never, bad);
});
