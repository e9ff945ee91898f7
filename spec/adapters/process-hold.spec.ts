// adapters/process-hold.ts: the first hold installs, the last release removes,
// and a release counts once however often it is called.

import test from 'ava';
import { processHold } from '../../adapters/process-hold.js';

test('installed by the first hold, removed by the last release; a second call of one release changes nothing', (t) => {
  const calls: string[] = [];
  const state = processHold(
    () => calls.push('install'),
    () => calls.push('remove'),
  );
  t.false(state.held());
  const first = state.hold();
  const second = state.hold();
  t.deepEqual(calls, ['install']);
  first();
  first();
  t.true(state.held(), 'the second holder still holds');
  t.deepEqual(calls, ['install']);
  second();
  t.false(state.held());
  t.deepEqual(calls, ['install', 'remove']);
  state.hold()();
  t.deepEqual(calls, ['install', 'remove', 'install', 'remove']);
});
