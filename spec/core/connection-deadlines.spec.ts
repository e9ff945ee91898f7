// The timeouts' rule (core/connection-deadlines.ts), as a table: in each state,
// which deadline has passed just after its limit and none just before it.

import test from 'ava';
import { ConnectionDeadlines, SHUTDOWN_LINGER_MS, type Deadline } from '../../core/connection-deadlines.js';
import type { ConnectionState } from '../../core/connection-state.js';
import { DEFAULT_TIMEOUTS } from '../../core/index.js';

const T = { ...DEFAULT_TIMEOUTS, headersMs: 100, keepAliveMs: 200, bodyMs: 300, sendMs: 400, requestMs: 1000 };

test('each state has its deadline, counted from its own moment', (t) => {
  const cases: Array<[ConnectionState, keyof ConnectionDeadlines, number, Deadline | null, boolean?]> = [
    ['idle', 'idleSince', T.keepAliveMs, 'keep-alive'],
    ['head', 'headStartedAt', T.headersMs, 'headers'],
    ['body', 'lastBodyAt', T.bodyMs, 'body', true],
    ['body', 'lastBodyAt', T.bodyMs, null, false], // the app does not wait for the body: no stall
    ['draining', 'lastBodyAt', T.bodyMs, 'drain'],
    ['must-close', 'closingSince', T.sendMs, 'close'],
    ['responding', 'idleSince', 0, null],
    ['closed', 'idleSince', 0, null],
  ];
  for (const [state, stamp, limit, deadline, bodyWanted = false] of cases) {
    const d = new ConnectionDeadlines(T, 0);
    const start = 10_000;
    d.idleSince = d.headStartedAt = d.lastBodyAt = d.closingSince = start;
    if (stamp === 'headStartedAt' || stamp === 'lastBodyAt') d.headStartedAt = start; // requestMs counts from the head
    t.is(d.expired(state, start + limit, bodyWanted), null, `${state} at its limit`);
    t.is(d.expired(state, start + limit + 1, bodyWanted), deadline, `${state} past it`);
  }
});

test('requestMs bounds a body that trickles in; a stalled write is the send deadline in any state', (t) => {
  const d = new ConnectionDeadlines(T, 0);
  d.headStartedAt = 0;
  d.lastBodyAt = 1_000; // a byte just came
  t.is(d.expired('body', 1_001, true), 'request');
  t.is(new ConnectionDeadlines({ ...T, requestMs: 0 }, 0).expired('body', 1_001, false), null, 'requestMs 0: no bound');
  for (const state of ['idle', 'responding', 'draining'] as const) {
    const w = new ConnectionDeadlines(T, 5_000);
    w.writeStalledSince = 5_000;
    w.lastBodyAt = 5_000;
    t.is(w.expired(state, 5_000 + T.sendMs + 1, false), 'send', state);
    w.writeStalledSince = 0;
    t.not(w.expired(state, 5_000 + T.sendMs + 1, false), 'send', `${state}, the write went through`);
  }
});

test('must-close once shutdown() began: SHUTDOWN_LINGER_MS from lingerSince, or sendMs from closingSince if that comes first', (t) => {
  const d = new ConnectionDeadlines({ ...T, sendMs: 60_000 }, 0);
  d.closingSince = d.lingerSince = 10_000;
  t.is(d.expired('must-close', 10_000 + SHUTDOWN_LINGER_MS + 1, false), null, 'not shutting down: sendMs');
  d.shuttingDown = true;
  t.is(d.expired('must-close', 10_000 + SHUTDOWN_LINGER_MS, false), null);
  t.is(d.expired('must-close', 10_000 + SHUTDOWN_LINGER_MS + 1, false), 'close');
  d.lingerSince = 50_000; // the response's last bytes were still unsent then
  t.is(d.expired('must-close', 50_000 + SHUTDOWN_LINGER_MS, false), null);
  const s = new ConnectionDeadlines({ ...T, sendMs: 400 }, 0);
  s.shuttingDown = true;
  s.closingSince = s.lingerSince = 0;
  t.is(s.expired('must-close', 401, false), 'close', 'a sendMs shorter than the linger still counts');
});
