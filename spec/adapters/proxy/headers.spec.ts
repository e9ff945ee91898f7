import test from 'ava';
import { connectionOptions, isHopByHop } from '../../../adapters/proxy/index.js';
import { responseFields } from '../../../adapters/proxy/headers.js';

test('Connection options are parsed case-insensitively, empty items ignored', (t) => {
  t.deepEqual([...connectionOptions(' Keep-Alive , ,X-Foo')!], ['keep-alive', 'x-foo']);
  t.deepEqual([...connectionOptions(['close', 'X-Bar'])!], ['close', 'x-bar']);
  t.is(connectionOptions(undefined), null);
});

test('the fixed hop-by-hop list of RFC 9110 §7.6.1 and any listed field', (t) => {
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']) {
    t.true(isHopByHop(name, null), name);
  }
  t.false(isHopByHop('x-foo', null));
  t.true(isHopByHop('x-foo', new Set(['x-foo'])));
});

test('response fields drop hop-by-hop ones and keep repeated values apart', (t) => {
  t.deepEqual(
    responseFields({ connection: 'x-a', 'x-a': '1', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], 'x-b': '2' }),
    [
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-b', '2'],
    ],
  );
});
