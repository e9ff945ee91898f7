// The CGI and FastCGI adapters spool a body of unknown length (and the CGI
// adapter every nph- program's body) under a bound, maxSpoolBytes, which they hand
// to the body (BodyStream.limit) instead of counting: a body past it is the
// engine's one 413, ERR_BODY_TOO_LARGE, and the connection is kept or closed as
// core/framing.ts says. One set of raw-socket cases, run against both adapters
// with real programs behind them (sh and php-cgi's CGI programs, php-fpm).

import type { ExecutionContext, TestFn } from 'ava';
import { exchange } from './raw-client.js';
import { openSession, finalResponses } from './fixtures-session.js';
import { type RawResponse, header } from './response-reader.js';

export interface SpoolLimitTarget {
  port: number;
  /** maxSpoolBytes of the mount. */
  limit: number;
  /** A program that answers a chunked POST (spooled) with the length it read. */
  spooled: string;
  /** A GET that answers 200, asked next on the same connection. */
  next: string;
  /** A program whose declared-length bodies are spooled too (CGI's nph-), if any. */
  spooledDeclared?: string;
  /** A program whose declared-length bodies stream, with no spool and so no spool bound. */
  streamed: string;
  /** Reads the length the program saw from its 200 answer. */
  lengthSeen(res: RawResponse): number;
  /**
   * The adapter hands the bound over only after an await (CGI: it looks the program
   * up first), so a small body sent with its head has arrived whole by then: the
   * adapter answers the 413 the body throws and the connection is kept. FastCGI
   * routes synchronously and hands it over as the request starts: the engine stops
   * the body at the bound, answers, and closes (the rest is never read).
   */
  boundAfterArrival: boolean;
}

const chunk = (data: string): string => `${data.length.toString(16)}\r\n${data}\r\n`;
const chunkedHead = (path: string): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
const declaredHead = (path: string, length: number, fields = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nContent-Length: ${length}\r\n${fields}\r\n`;
const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** The JSON error page's code. */
const codeOf = (res: RawResponse): unknown => (JSON.parse(res.body.toString()) as { error: { code?: unknown } }).error.code;

/** `spoolsDeclared`: the adapter has a program whose declared-length bodies are spooled (target.spooledDeclared). */
export const spoolLimitCases = (test: TestFn, adapter: string, setup: (t: ExecutionContext) => Promise<SpoolLimitTarget>, spoolsDeclared: boolean): void => {
  test(`${adapter}: a chunked body over maxSpoolBytes sent with its head is the engine's 413; kept if it was read whole, else closed`, async (t) => {
    const s = await setup(t);
    const body = 'x'.repeat(s.limit + 1);
    const r = await exchange(s.port, chunkedHead(s.spooled) + chunk(body) + '0\r\n\r\n' + get(s.next), { expectResponses: 2, timeoutMs: 10_000 });
    t.is(codeOf(r.responses[0]!), 'ERR_BODY_TOO_LARGE');
    if (s.boundAfterArrival) {
      t.deepEqual(r.responses.map((x) => x.status), [413, 200]);
      t.is(header(r.responses[0]!, 'connection'), undefined, 'the message was read whole: nothing stands in the way of the next');
      t.false(r.closed);
    } else {
      t.deepEqual(r.responses.map((x) => x.status), [413], 'the pipelined request is never read');
      t.is(header(r.responses[0]!, 'connection'), 'close', 'the body was stopped at the bound: its rest is unread');
      t.true(r.closed);
    }
  });

  test(`${adapter}: a chunked body that passes maxSpoolBytes while it arrives is the engine's 413, then the close`, async (t) => {
    const s = await setup(t);
    const head = chunkedHead(s.spooled) + chunk('a'.repeat(s.limit - 10));
    // The rest comes in a later read, and the terminating chunk never: the body is still arriving.
    const r = await exchange(s.port, head + chunk('b'.repeat(20)), { split: [head.length], timeoutMs: 10_000 });
    t.deepEqual(r.responses.map((x) => x.status), [413]);
    t.is(codeOf(r.responses[0]!), 'ERR_BODY_TOO_LARGE');
    t.is(header(r.responses[0]!, 'connection'), 'close', 'the rest of the body will not be read');
    t.true(r.closed);
  });

  test(`${adapter}: a chunked body within maxSpoolBytes reaches the program whole`, async (t) => {
    const s = await setup(t);
    const r = await exchange(s.port, chunkedHead(s.spooled) + chunk('c'.repeat(s.limit - 5)) + chunk('d'.repeat(5)) + '0\r\n\r\n');
    t.is(r.responses[0]?.status, 200);
    t.is(s.lengthSeen(r.responses[0]!), s.limit);
  });

  test(`${adapter}: a declared-length body over maxSpoolBytes that is not spooled streams to the program`, async (t) => {
    const s = await setup(t);
    const body = 'e'.repeat(s.limit * 3);
    const r = await exchange(s.port, declaredHead(s.streamed, body.length) + body);
    t.is(r.responses[0]?.status, 200);
    t.is(s.lengthSeen(r.responses[0]!), body.length);
  });

  if (spoolsDeclared) {
    test(`${adapter}: a declared length over maxSpoolBytes on a spooled program is refused unread; a small rest is drained and the connection kept`, async (t) => {
      const s = await setup(t);
      const length = s.limit + 1;
      const session = await openSession(s.port);
      t.teardown(() => session.destroy());
      await session.send(declaredHead(s.spooledDeclared!, length));
      await session.waitFor(finalResponses(1), 10_000, 'the 413, before the body is sent');
      const [refused] = session.responses();
      t.is(refused!.status, 413);
      t.is(codeOf(refused!), 'ERR_BODY_TOO_LARGE');
      t.is(header(refused!, 'connection'), undefined, 'framing.ts: a rest within maxDrainBytes is drained');
      await session.send('f'.repeat(length) + get(s.next));
      await session.waitFor(finalResponses(2), 10_000, 'the next response');
      t.deepEqual(session.responses().map((x) => x.status), [413, 200]);
      t.false(session.closed);
    });

    test(`${adapter}: a declared length over maxSpoolBytes behind Expect: 100-continue, or past maxDrainBytes, is refused and the connection closed`, async (t) => {
      const s = await setup(t);
      for (const [length, fields] of [[s.limit + 1, 'Expect: 100-continue\r\n'], [1024 * 1024, '']] as const) {
        const r = await exchange(s.port, declaredHead(s.spooledDeclared!, length, fields), { timeoutMs: 10_000 });
        t.deepEqual(r.responses.map((x) => x.status), [413], 'no 100 Continue first');
        t.is(codeOf(r.responses[0]!), 'ERR_BODY_TOO_LARGE');
        t.is(header(r.responses[0]!, 'connection'), 'close');
        t.true(r.closed);
      }
    });
  }
};
