// The request parser on its own: bytes in, events out. Every fixture of the
// raw-bytes table is fed whole, one byte per push, split at every byte boundary,
// followed by a second request and at seeded random splits; all must agree and
// match the fixture's verdict (the parser's HttpError code, or the message).

import test from 'ava';
import { DEFAULT_LIMITS, RequestParser } from '../../core/index.js';
import { REQUESTS } from '../fixtures/requests.js';
import { bytesOf, checkParserFixture, fixtureLimits, parsePieces } from '../helpers/fixtures.js';

REQUESTS.forEach((fixture, index) => {
  test(`parser: ${fixture.name}`, (t) => {
    checkParserFixture(t, fixture, 7 + index);
  });
});
