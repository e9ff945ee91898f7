// Ties a stray error to the request that raised it. The request handler calls
// each app inside an AsyncLocalStorage scope; every callback and promise the app
// starts inherits it, so when one of them throws (an uncaught exception) or
// rejects with nobody listening (an Express 4 async route that throws, the
// commonest Express 4 mistake) the process-wide listener here finds the request
// and fails it: a 500 at once when nothing was sent, a cut connection after. The
// process goes on, and no other request notices.
//
// The listeners exist while a server runs (hold/release). Without them nobody
// reads the scope, so none is entered: AsyncLocalStorage's hooks cost every
// callback and promise of the process (a node server from createServer() holds
// none: a stray error there ends the process, as on node:http). An error outside any
// request goes to the fallback: the CLI logs it and goes on; otherwise, when
// nobody else listens, the process ends as node would end it, stack on stderr.

import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';
import { processHold } from '../adapters/process-hold.js';

export type StrayKind = 'uncaught exception' | 'unhandled rejection';

/** What a request does with an error raised in its async context. */
export interface RequestScope {
  fail(err: unknown, kind: StrayKind): void;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Calls `fn(a, b)` inside `scope`; the arguments avoid a closure per request. */
export const runInScope = <A, B, R>(scope: RequestScope, fn: (a: A, b: B) => R, a: A, b: B): R => storage.run(scope, fn, a, b);

type Fallback = (err: unknown, kind: StrayKind) => void;

/** Node's own ending for an error nobody handles: the stack on stderr, exit status 1. */
const crash: Fallback = (err, kind) => {
  process.stderr.write(`${kind}: ${inspect(err)}\n`);
  process.exit(1);
};

let fallback: Fallback | null = null;

/** The CLI's choice for errors outside any request (it logs them and goes on). */
export const setStrayErrorFallback = (fn: Fallback | null): void => {
  fallback = fn;
};

const dispatch = (err: unknown, kind: StrayKind, event: 'uncaughtException' | 'unhandledRejection'): void => {
  const scope = storage.getStore();
  if (scope !== undefined) return scope.fail(err, kind);
  if (fallback !== null) return fallback(err, kind);
  // Someone else listens (the user's own handler, a test runner): theirs to judge.
  if (process.listenerCount(event) > 1) return;
  crash(err, kind);
};

const onException = (err: Error): void => dispatch(err, 'uncaught exception', 'uncaughtException');
const onRejection = (reason: unknown): void => dispatch(reason, 'unhandled rejection', 'unhandledRejection');

const listeners = processHold(
  () => {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  },
  () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  },
);

/** Installs the process listeners while at least one server runs; returns the release. */
export const holdStrayErrors = listeners.hold;

/** True while a server holds the process listeners: only then is a request's scope ever read. */
export const strayErrorsHeld = listeners.held;
