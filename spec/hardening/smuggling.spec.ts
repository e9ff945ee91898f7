// The smuggling corpus (spec/fixtures/smuggling.ts), run exactly as the core
// table is: at the parser level (whole, one byte per push, split at every byte,
// followed by a second request, seeded random splits) and over real sockets (the
// same ways, to an app that reads the body and, for cases with a body, to one
// that never does). A case that holds a smuggled request is also checked for an
// answer to /smuggled, which must never come. Cases marked `known` are engine
// bugs still open: they run as ava's test.failing, visible but not red.

import test, { type ExecutionContext } from 'ava';
import { REQUESTS } from '../fixtures/requests.js';
import { SMUGGLING, type SmugglingFixture } from '../fixtures/smuggling.js';
import { bytesOf, checkParserFixture, checkWireFixture, sendRaw, waysOf, type Mode, wireSlots, useFixtureServers } from '../helpers/fixtures.js';

const servers = useFixtureServers(test);

test('the corpus: at least 300 cases with the core table, names and bytes all distinct', (t) => {
  const all = [...REQUESTS, ...SMUGGLING];
  t.true(all.length >= 300, `${REQUESTS.length} + ${SMUGGLING.length} = ${all.length} cases`);
  const seenNames = new Map<string, number>();
  const seenBytes = new Map<string, string>();
  for (const fixture of all) {
    seenNames.set(fixture.name, (seenNames.get(fixture.name) ?? 0) + 1);
    // The same bytes sent with and without a half-close are two different cases.
    const key = fixture.request + (fixture.halfClose ? ' [half-close]' : '');
    const twin = seenBytes.get(key);
    t.is(twin, undefined, `"${fixture.name}" has the same bytes as "${twin}"`);
    seenBytes.set(key, fixture.name);
  }
  t.deepEqual([...seenNames].filter(([, n]) => n > 1).map(([name]) => name), [], 'duplicate names');
  for (const fixture of SMUGGLING) {
    t.true(fixture.rule.length > 0, `${fixture.name}: a rule`);
    t.true(fixture.status === null || (fixture.status >= 200 && fixture.status < 600), `${fixture.name}: a status`);
  }
});

/** ava's test, or test.failing for a case the engine is known to get wrong at this level. */
const testAt = (fixture: SmugglingFixture, level: 'parser' | 'wire') =>
  fixture.known?.levels.includes(level) ? test.failing : test;
const titleOf = (fixture: SmugglingFixture, level: 'parser' | 'wire'): string =>
  `${level}: ${fixture.name}${fixture.known?.levels.includes(level) ? ` (known bug: ${fixture.known.bug})` : ''}`;

SMUGGLING.forEach((fixture, index) => {
  testAt(fixture, 'parser')(titleOf(fixture, 'parser'), (t) => {
    checkParserFixture(t, fixture, 9007 + index);
  });
});

const { acquire, release } = wireSlots();

/** No response may be the answer to the smuggled request (the fixture app echoes its target). */
const checkNothingSmuggled = async (t: ExecutionContext, port: number, fixture: SmugglingFixture, mode: Mode): Promise<void> => {
  const expected = mode === 'unread' && fixture.unread !== undefined ? fixture.unread : fixture;
  const answered = expected.status === null ? 0 : (fixture.responses ?? 1);
  const result = await sendRaw(port, bytesOf(fixture.request), [], {
    halfClose: fixture.halfClose === true,
    responses: answered,
    expectClose: expected.close || fixture.halfClose === true,
  });
  const smuggled = result.responses.filter((r) => r.body.includes('"target":"/smuggled'));
  t.is(smuggled.length, 0, `${fixture.name} [${mode}]: the smuggled request was answered`);
};

SMUGGLING.forEach((fixture, index) => {
  testAt(fixture, 'wire')(titleOf(fixture, 'wire'), async (t) => {
    await acquire();
    try {
      for (const way of waysOf(fixture, 5000 + index)) {
        await checkWireFixture(t, servers.reading.port, fixture, way, 'read');
        if (fixture.body) await checkWireFixture(t, servers.ignoring.port, fixture, way, 'unread');
      }
      if (fixture.request.includes('/smuggled')) {
        await checkNothingSmuggled(t, servers.reading.port, fixture, 'read');
        if (fixture.body) await checkNothingSmuggled(t, servers.ignoring.port, fixture, 'unread');
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
