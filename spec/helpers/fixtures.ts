// One helper feeds every raw-bytes fixture (spec/fixtures/requests.ts) the same
// ways, as h11's test suite does: all at once, one byte per write, followed by
// extra bytes (a second request that must, or must not, be answered), and at a
// few seeded random split points. It works at two levels: straight into the
// RequestParser (bytes in, events out; every split point too), and over a real
// socket to a real server whose app answers with what it saw, as JSON.

import net from 'node:net';
import type { ExecutionContext, TestFn } from 'ava';
import { DEFAULT_LIMITS, HttpError, RequestParser, type Limits } from '../../core/index.js';
import type { App, MountTable } from '../../gateway/index.js';
import { FIXTURE_LIMITS, FOLLOW_UP, type Outcome, type RequestFixture, type Seen } from '../fixtures/requests.js';
import { type RawResponse, header, parseResponses } from './response-reader.js';
import { type TestServer, startServer } from './server.js';

// ---- splitting ----

/** mulberry32: a small seeded generator, so random splits are reproducible. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Up to `max` sorted, distinct cut points inside [1, length). */
export const randomCuts = (random: () => number, length: number, max = 4): number[] => {
  if (length < 2) return [];
  const count = 1 + Math.floor(random() * max);
  const cuts = new Set<number>();
  for (let i = 0; i < count; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
};

/** Cuts `data` at the given points. */
export const piecesAt = (data: Buffer, cuts: readonly number[]): Buffer[] => {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    if (cut > at) pieces.push(data.subarray(at, cut));
    at = Math.max(at, cut);
  }
  return pieces;
};

export const bytesOf = (s: string): Buffer => Buffer.from(s, 'latin1');

export interface Way {
  name: string;
  data: Buffer;
  /** Cut points; 'bytes' for one byte per write. */
  cuts: readonly number[] | 'bytes';
  /** FOLLOW_UP was appended. */
  extra: boolean;
}

/** The ways a fixture is fed over a socket: whole, byte by byte, with extra bytes, two seeded random splits. */
export const waysOf = (fixture: RequestFixture, seed: number): Way[] => {
  const plain = bytesOf(fixture.request);
  const canExtend = !fixture.incomplete;
  const extended = canExtend ? bytesOf(fixture.request + FOLLOW_UP) : plain;
  const random = seededRandom(seed);
  return [
    { name: 'whole', data: plain, cuts: [], extra: false },
    { name: 'one byte per write', data: plain, cuts: 'bytes', extra: false },
    ...(canExtend ? [{ name: 'followed by a second request', data: extended, cuts: [], extra: true }] : []),
    ...[0, 1].map((k) => {
      const cuts = randomCuts(random, extended.length);
      return { name: `random split ${k} at [${cuts.join(',')}] (seed ${seed})`, data: extended, cuts, extra: canExtend };
    }),
  ];
};

// ---- parser level ----

export interface ParsedMessage {
  method: string;
  target: string;
  protocol: string;
  rawHeaders: string[];
  body: string;
  trailers: Record<string, string> | null;
  ended: boolean;
}

export interface ParserOutcome {
  messages: ParsedMessage[];
  error: { code: string; status: number } | null;
}

export const fixtureLimits = (): Limits => ({ ...DEFAULT_LIMITS, ...FIXTURE_LIMITS });

/** Pushes `pieces` one at a time into a fresh parser and records every event. */
export const parsePieces = (pieces: readonly Buffer[], limits: Limits = fixtureLimits()): ParserOutcome => {
  const parser = new RequestParser(limits);
  const messages: ParsedMessage[] = [];
  let current: ParsedMessage | null = null;
  for (const piece of pieces) {
    parser.push(piece);
    for (;;) {
      let ev;
      try {
        ev = parser.next();
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        // How much of a failing body was handed out first depends on the split; the verdict does not.
        if (current !== null && !current.ended) current.body = '(partial)';
        return { messages, error: { code: err.code, status: err.status } };
      }
      if (ev === null) break;
      if (ev.type === 'head') {
        const h = ev.head;
        current = {
          method: h.method,
          target: h.target,
          protocol: h.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0',
          rawHeaders: h.rawHeaders,
          body: '',
          trailers: null,
          ended: false,
        };
        messages.push(current);
      } else if (ev.type === 'data') {
        current!.body += ev.chunk.toString('latin1');
      } else {
        current!.ended = true;
        current!.trailers = ev.trailers === null ? null : { ...ev.trailers };
        parser.nextMessage();
      }
    }
  }
  return { messages, error: null };
};

/** The parser-level fields of `Seen`. */
const PARSER_FIELDS = ['method', 'target', 'protocol', 'rawHeaders', 'body', 'trailers'] as const;

/**
 * Feeds `fixture` to the parser whole, one byte per push, split at every byte
 * boundary, followed by FOLLOW_UP, and at seeded random splits; every way must
 * give the same events, and those must match the fixture.
 */
export const checkParserFixture = (t: ExecutionContext, fixture: RequestFixture, seed: number): void => {
  const data = bytesOf(fixture.request);
  const whole = parsePieces([data]);
  const same = (outcome: ParserOutcome, way: string): void => {
    t.deepEqual(outcome, whole, `${fixture.name}: ${way} differs from all at once`);
  };
  same(parsePieces(piecesAt(data, Array.from({ length: data.length }, (_, i) => i))), 'one byte per push');
  for (let i = 1; i < data.length; i++) {
    const outcome = parsePieces([data.subarray(0, i), data.subarray(i)]);
    if (JSON.stringify(outcome) !== JSON.stringify(whole)) same(outcome, `split at ${i}`);
  }
  const random = seededRandom(seed);
  for (let k = 0; k < 3; k++) {
    const cuts = randomCuts(random, data.length, 6);
    same(parsePieces(piecesAt(data, cuts)), `random split at [${cuts.join(',')}] (seed ${seed})`);
  }

  // What the fixture says the parser must do.
  if (fixture.code !== undefined) {
    t.deepEqual(whole.error, { code: fixture.code, status: fixture.status }, `${fixture.name}: parser error`);
    return;
  }
  t.is(whole.error, null, `${fixture.name}: no parser error`);
  if (fixture.incomplete) {
    t.false(whole.messages.some((m) => m.ended), `${fixture.name}: the message is not complete`);
    return;
  }
  const first = whole.messages[0];
  t.true(first?.ended, `${fixture.name}: a complete message`);
  for (const key of PARSER_FIELDS) {
    if (fixture.seen?.[key] !== undefined) t.deepEqual(first![key], fixture.seen[key], `${fixture.name}: ${key}`);
  }
  // Followed by extra bytes: the same messages, then the follow-up, at any split.
  const extended = bytesOf(fixture.request + FOLLOW_UP);
  for (const pieces of [[extended], piecesAt(extended, randomCuts(random, extended.length, 6))]) {
    const more = parsePieces(pieces);
    t.is(more.error, null, `${fixture.name}: no error with extra bytes`);
    t.deepEqual(more.messages.slice(0, whole.messages.length), whole.messages, `${fixture.name}: same messages with extra bytes`);
    t.is(more.messages.at(-1)?.target, '/second', `${fixture.name}: the follow-up is parsed after it`);
  }
};

// ---- over a socket ----

/** The fixture app: answers with what it saw, reading the body first or never touching it. */
export const fixtureApp = (read: boolean): App => {
  const describe = (env: Parameters<App>[0], body: string | null) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: env.method,
      target: env.target,
      pathInfo: env.pathInfo,
      queryString: env.queryString,
      protocol: env.protocol,
      serverName: env.serverName,
      serverPort: env.serverPort,
      rawHeaders: env.rawHeaders,
      body,
      trailers: body === null ? null : env.body.trailers,
    }),
  });
  // The reader is async (it waits for the body); the non-reader answers synchronously,
  // before any body byte is parsed, so each way of feeding meets the same state.
  return read ? async (env) => describe(env, (await env.body.bytes()).toString('latin1')) : (env) => describe(env, null);
};

export const fixtureMounts = (read: boolean): MountTable => {
  const app = fixtureApp(read);
  return { '': app, '/only-get': { app, methods: ['GET'] }, '/small': { app, maxBodyBytes: 10 } };
};

export const startFixtureServer = (t: ExecutionContext | null, read: boolean): Promise<TestServer> =>
  startServer(t, { mounts: fixtureMounts(read), limits: FIXTURE_LIMITS });

export interface WireResult {
  responses: RawResponse[];
  closed: boolean;
  rest: Buffer;
}

export interface SendOptions {
  halfClose?: boolean;
  /** Final responses to wait for. */
  responses: number;
  /** Wait for the server to close (else settle briefly after the responses). */
  expectClose: boolean;
  headRequests?: ReadonlySet<number>;
  timeoutMs?: number;
}

/** Writes `data` (at `cuts`, or one byte per write) and collects what the server answers. */
export const sendRaw = (port: number, data: Buffer, cuts: readonly number[] | 'bytes', options: SendOptions): Promise<WireResult> => {
  const { halfClose = false, responses: wanted, expectClose, headRequests, timeoutMs = 20_000 } = options;
  const pieces = cuts === 'bytes' ? piecesAt(data, Array.from({ length: data.length }, (_, i) => i)) : piecesAt(data, cuts);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let written = false;
    let done = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      clearTimeout(settle);
      socket.destroy();
      try {
        const { responses, rest } = parseResponses(Buffer.concat(chunks), closed, headRequests);
        resolve({ responses, closed, rest });
      } catch (err) {
        reject(err);
      }
    };
    const overall = setTimeout(finish, timeoutMs);
    const check = (): void => {
      if (closed) return finish();
      if (!written || expectClose) return;
      const { responses } = parseResponses(Buffer.concat(chunks), false, headRequests);
      if (responses.filter((r) => r.status >= 200).length >= wanted) {
        clearTimeout(settle);
        settle = setTimeout(finish, 100);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      check();
    });
    const onClosed = (): void => {
      closed = true;
      check();
    };
    socket.on('end', onClosed);
    socket.on('error', onClosed);
    socket.on('close', onClosed);
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed || socket.writableEnded || closed) break;
        await new Promise<void>((r) => socket.write(piece, () => r()));
        if (pieces.length > 1) await new Promise((r) => setImmediate(r));
      }
      if (halfClose && !socket.destroyed && !closed) socket.end();
      written = true;
      check();
    });
  });
};

export type Mode = 'read' | 'unread';

/** Sends `fixture` one way and checks the answer against what it must be. */
export const checkWireFixture = async (t: ExecutionContext, port: number, fixture: RequestFixture, way: Way, mode: Mode): Promise<void> => {
  const expected: Outcome = mode === 'unread' && fixture.unread !== undefined ? fixture.unread : fixture;
  const answered = expected.status === null ? 0 : (fixture.responses ?? 1);
  const followUp = way.extra && !expected.close;
  const wanted = answered + (followUp ? 1 : 0);
  const halfClose = fixture.halfClose === true;
  const expectClose = expected.close || halfClose;
  const result = await sendRaw(port, way.data, way.cuts, {
    halfClose,
    responses: wanted,
    expectClose,
    headRequests: fixture.head ? new Set([0]) : undefined,
  });
  const label = `${fixture.name} [${mode}, ${way.name}]`;
  const finals = result.responses.filter((r) => r.status >= 200);
  t.is(finals.length, wanted, `${label}: final responses`);
  t.is(result.closed, expectClose, `${label}: connection ${expectClose ? 'closed' : 'kept open'}`);
  t.is(result.rest.length, 0, `${label}: no stray bytes after the responses`);
  if (expected.status === null || finals.length === 0) return;
  const first = finals[0]!;
  t.is(first.status, expected.status, `${label}: status`);
  t.is(first.version, 'HTTP/1.1', `${label}: the server speaks HTTP/1.1`);
  // A response announces the close that follows it (RFC 9112 §9.6), unless the
  // client's half-close or its malformed body came after the response was sent.
  if (!halfClose && (mode === 'read' || fixture.unread === undefined || fixture.unread.announced)) {
    const last = finals[answered - 1]!;
    t.is(header(last, 'connection') === 'close', expected.close, `${label}: Connection: close ${expected.close ? '' : 'not '}announced`);
  }
  if (mode === 'read' && fixture.seen !== undefined && expected.status === 200) {
    const seen = JSON.parse(first.body.toString('utf8')) as Seen;
    for (const [key, value] of Object.entries(fixture.seen)) {
      t.deepEqual(seen[key as keyof Seen], value, `${label}: app saw ${key}`);
    }
  }
  if (followUp) {
    const last = finals.at(-1)!;
    t.is(last.status, 200, `${label}: the follow-up is answered`);
    t.is((JSON.parse(last.body.toString('utf8')) as Seen).target, '/second', `${label}: the follow-up is the second request`);
  } else if (way.extra) {
    t.false(finals.some((r) => r.body.includes('"/second"')), `${label}: the follow-up is never answered`);
  }
};

/**
 * A counting semaphore for wire fixtures: the servers share the test process with
 * the clients, and on a loaded machine hundreds of concurrent byte-by-byte
 * senders starve them, so only a few run at a time.
 */
export const wireSlots = (slots = 8): { acquire(): Promise<void>; release(): void } => {
  let free = slots;
  const waiting: Array<() => void> = [];
  return {
    async acquire() {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
};

/** The two fixture servers a wire table runs against: one app reads bodies, the other never does. */
export interface FixtureServers {
  reading: TestServer;
  ignoring: TestServer;
}

/** Starts both fixture servers before the file's tests and closes them after. */
export const useFixtureServers = (test: TestFn): FixtureServers => {
  const servers = {} as FixtureServers;
  test.before(async () => {
    servers.reading = await startFixtureServer(null, true);
    servers.ignoring = await startFixtureServer(null, false);
  });
  test.after.always(async () => {
    await Promise.all([servers.reading?.server.close(), servers.ignoring?.server.close()]);
  });
  return servers;
};
