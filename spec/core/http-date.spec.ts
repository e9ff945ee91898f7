// core/http-date.ts: the Date field's value (RFC 9110 §5.6.7 IMF-fixdate), kept
// for the second it names and formatted anew once the next second has begun.

import test from 'ava';
import { httpDate } from '../../core/http-date.js';

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const seconds = (date: string): number => Date.parse(date) / 1000;

test('names the current second as an IMF-fixdate', (t) => {
  const before = Math.floor(Date.now() / 1000);
  const date = httpDate();
  const after = Math.floor(Date.now() / 1000);
  t.regex(date, IMF_FIXDATE);
  t.true(seconds(date) >= before && seconds(date) <= after, `${date} is not within [${before}, ${after}]`);
});

test('a later second gets its own value', async (t) => {
  const first = httpDate();
  t.is(httpDate(), first);
  // Past the next second boundary (the timer that forgets the value fires there).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const later = httpDate();
  t.true(seconds(later) > seconds(first), `${later} is not after ${first}`);
});
