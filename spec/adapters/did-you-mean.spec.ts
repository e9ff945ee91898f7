// The suggestion rule behind every "did you mean" (gateway/did-you-mean.ts).
import test from 'ava';
import { closest, didYouMean, editDistance } from '../../adapters/did-you-mean.js';

test('editDistance counts insertions, deletions, substitutions and adjacent swaps', (t) => {
  t.is(editDistance('', ''), 0);
  t.is(editDistance('port', 'port'), 0);
  t.is(editDistance('prot', 'port'), 1); // a swap is one edit
  t.is(editDistance('stati', 'static'), 1);
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('abc', ''), 3);
});

test('closest: near enough to be a typo, case ignored, prefixes first', (t) => {
  const keys = ['port', 'host', 'path', 'workers', 'shutdownTimeoutMs'];
  t.is(closest('prot', keys), 'port');
  t.is(closest('PORT', keys), 'port');
  t.is(closest('work', keys), 'workers'); // a prefix beats "port", two edits away
  t.is(closest('shutdownTimeout', keys), 'shutdownTimeoutMs');
  t.is(closest('colour', keys), undefined);
  t.is(closest('x', keys), undefined);
  t.is(closest('po', ['port', 'path']), undefined); // too short to be sure
});

test('didYouMean: a clause to append, or nothing', (t) => {
  t.is(didYouMean('stati', ['cgi', 'static', 'proxy']), ', did you mean "static"?');
  t.is(didYouMean('zzz', ['cgi', 'static']), '');
  t.is(didYouMean('prot', ['port'], (s) => '--' + s), ', did you mean --port?');
});
