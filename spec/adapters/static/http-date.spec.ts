import test from 'ava';
import { parseHttpDate } from '../../../adapters/static/http-date.js';

const EXPECTED = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;

test('the three formats of RFC 9110 §5.6.7 parse to the same instant', (t) => {
  t.is(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), EXPECTED);
  t.is(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), EXPECTED);
  t.is(parseHttpDate('Sun Nov  6 08:49:37 1994'), EXPECTED);
  t.is(parseHttpDate('  Sun, 06 Nov 1994 08:49:37 GMT '), EXPECTED, 'surrounding whitespace');
});

test('what toUTCString writes reads back', (t) => {
  for (const ms of [0, 1_700_000_000_000, Date.UTC(2024, 1, 29, 23, 59, 59)]) {
    t.is(parseHttpDate(new Date(ms).toUTCString()), ms / 1000);
  }
});

test('an RFC 850 year more than 50 years ahead is in the past century', (t) => {
  const thisYear = new Date().getUTCFullYear();
  const farYY = (thisYear + 51) % 100;
  const nearYY = (thisYear + 49) % 100;
  const yy = (n: number) => String(n).padStart(2, '0');
  t.is(new Date(parseHttpDate(`Monday, 01-Jan-${yy(farYY)} 00:00:00 GMT`) * 1000).getUTCFullYear(), thisYear + 51 - 100);
  t.is(new Date(parseHttpDate(`Monday, 01-Jan-${yy(nearYY)} 00:00:00 GMT`) * 1000).getUTCFullYear(), thisYear + 49);
  t.is(parseHttpDate('Saturday, 01-Jan-00 00:00:00 GMT'), Date.UTC(2000, 0, 1) / 1000);
});

test('anything else is NaN, never a guess', (t) => {
  for (const bad of [
    '',
    'yesterday',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994 08:49:37 PST',
    'Sun, 06 Nov 1994 08:49:37',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 06 nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT',
    'Xyz, 06 Nov 1994 08:49:37 GMT',
  ]) {
    t.true(Number.isNaN(parseHttpDate(bad)), bad);
  }
});
