import test from 'ava';
import { acceptableSiblings } from '../../../adapters/static/encodings.js';

const codings = (field: string | undefined) => acceptableSiblings(field).map((s) => s.coding);

test('RFC 9110 §12.5.3: weights, "*", q=0, case and the x-gzip alias', (t) => {
  t.deepEqual(codings(undefined), []);
  t.deepEqual(codings(''), []);
  t.deepEqual(codings('gzip'), ['gzip']);
  t.deepEqual(codings('br'), ['br']);
  t.deepEqual(codings('gzip, deflate, br, zstd'), ['br', 'gzip']);
  t.deepEqual(codings('gzip;q=1.0, br;q=0.8'), ['gzip', 'br']);
  t.deepEqual(codings('br;q=0.8, gzip;q=0.8'), ['br', 'gzip'], 'a tie goes to br');
  t.deepEqual(codings('GZip ; Q=0.5'), ['gzip']);
  t.deepEqual(codings('x-gzip'), ['gzip']);
  t.deepEqual(codings('*'), ['br', 'gzip']);
  t.deepEqual(codings('*;q=0'), []);
  t.deepEqual(codings('br;q=0, *'), ['gzip']);
  t.deepEqual(codings('gzip;q=0'), []);
  t.deepEqual(codings('identity'), []);
  t.deepEqual(codings('identity;q=0, gzip'), ['gzip']);
  t.deepEqual(codings('gzip;q=2'), [], 'a malformed weight counts as 0');
  t.deepEqual(codings('gzip;q=0.0001'), [], 'more than three decimals is malformed');
  t.deepEqual(codings('gzip;level=9;q=0.5'), ['gzip']);
});
