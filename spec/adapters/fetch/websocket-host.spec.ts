// websocket-host.ts loads the ws package on the first upgrade only, and the
// fetch adapter's WebSocket events come without the undici package: a server
// that never sees an upgrade loads neither. Checked in a fresh process, whose
// module cache the spec runner's own imports do not fill.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { REPO } from '../../helpers/cli.js';

test('ws is loaded by the first upgrade, not before; undici not at all', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO, 'spec/adapters/fetch/fixtures/lazy-ws.mjs'), REPO], { timeout: 30_000 });
  t.deepEqual(stdout.trim().split('\n'), [
    'imported: ws=false undici=false',
    'after a request: ws=false undici=false',
    'after an upgrade: ws=true undici=false',
  ]);
});
