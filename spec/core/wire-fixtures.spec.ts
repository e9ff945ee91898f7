// The raw-bytes fixture table over real sockets: every request of
// spec/fixtures/requests.ts is sent whole, one byte per write, followed by a
// second request and at seeded random splits, to an app that reads the body and
// (for requests with a body) to one that never does. Statuses, closes, the
// follow-up's fate and what the app saw are checked by one helper.

import test from 'ava';
import { REQUESTS } from '../fixtures/requests.js';
import { checkWireFixture, waysOf, wireSlots, useFixtureServers } from '../helpers/fixtures.js';

const servers = useFixtureServers(test);

test('the table holds at least 120 requests with unique names', (t) => {
  t.true(REQUESTS.length >= 120, `${REQUESTS.length} fixtures`);
  t.is(new Set(REQUESTS.map((f) => f.name)).size, REQUESTS.length);
});

const { acquire, release } = wireSlots();

REQUESTS.forEach((fixture, index) => {
  test(`wire: ${fixture.name}`, async (t) => {
    await acquire();
    try {
      for (const way of waysOf(fixture, 1000 + index)) {
        await checkWireFixture(t, servers.reading.port, fixture, way, 'read');
        if (fixture.body) await checkWireFixture(t, servers.ignoring.port, fixture, way, 'unread');
      }
    } finally {
      release();
    }
  });
});

test.after('no app failure was logged', (t) => {
  t.deepEqual(servers.reading.errors, []);
  t.deepEqual(servers.ignoring.errors, []);
});
