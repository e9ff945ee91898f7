// serving-hooks.ts: a server calls its apps' serving hooks once it listens and
// their releases once it has closed; hooks behind options objects and behind
// compression count too, an app mounted twice is held once, a reload moves the
// holds to the new apps, and a server that failed to listen holds nothing.

import test from 'ava';
import { SERVING_HOOK, type App } from '../../adapters/env.js';
import { serve } from '../../gateway/index.js';

const hooked = (log: string[], name: string): App =>
  Object.assign((() => ({ status: 200, body: name })) as App, {
    [SERVING_HOOK]: () => {
      log.push(`hold ${name}`);
      return () => log.push(`release ${name}`);
    },
  });

test('held from listening to closed, once per app, through options and compression', async (t) => {
  const log: string[] = [];
  const a = hooked(log, 'a');
  const server = await serve({
    port: 0,
    compression: true,
    mounts: { '/a': a, '/again': { app: a, methods: ['GET'] }, '/b': { app: hooked(log, 'b') }, '/plain': () => ({ status: 204 }) },
  });
  t.deepEqual(log, ['hold a', 'hold b']);
  await server.close();
  t.deepEqual(log, ['hold a', 'hold b', 'release a', 'release b']);
});

test('a reload holds the new apps, then releases the old ones', async (t) => {
  const log: string[] = [];
  const server = await serve({ port: 0, app: hooked(log, 'old') });
  server.reconfigure({ app: hooked(log, 'new') });
  t.deepEqual(log, ['hold old', 'hold new', 'release old']);
  await server.close();
  t.deepEqual(log, ['hold old', 'hold new', 'release old', 'release new']);
});

test('a server that cannot listen holds nothing', async (t) => {
  const log: string[] = [];
  const first = await serve({ port: 0, app: () => ({ status: 204 }) });
  t.teardown(() => first.close());
  await t.throwsAsync(serve({ port: first.address.port, app: hooked(log, 'x') }), { code: 'EADDRINUSE' });
  t.deepEqual(log, []);
});
