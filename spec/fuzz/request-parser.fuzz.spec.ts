// Property tests over the request parser, no sockets: any split of a valid
// request gives the events of a single write, and arbitrary bytes end in events
// or an HttpError — never another exception, never a loop that stops consuming.

import test from 'ava';
import fc from 'fast-check';
import { RequestParser, HttpError, DEFAULT_LIMITS, type ParserEvent } from '../../core/index.js';
import { request, splits, runs } from './arbitraries.js';

interface Parsed {
  heads: Array<{ method: string; target: string; rawHeaders: string[]; contentLength: number }>;
  body: Buffer;
  trailers: string[] | null;
  error: string | null;
}

const parse = (bytes: Buffer, cuts: number[]): Parsed => {
  const parser = new RequestParser({ ...DEFAULT_LIMITS });
  const out: Parsed = { heads: [], body: Buffer.alloc(0), trailers: null, error: null };
  const bodies: Buffer[] = [];
  let at = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      if (cut <= at) continue;
      parser.push(bytes.subarray(at, cut));
      at = cut;
      for (let ev: ParserEvent | null = parser.next(); ev !== null; ev = parser.next()) {
        if (ev.type === 'head') {
          const h = ev.head;
          out.heads.push({ method: h.method, target: h.target, rawHeaders: h.rawHeaders, contentLength: h.contentLength });
        } else if (ev.type === 'data') bodies.push(Buffer.from(ev.chunk));
        else {
          out.trailers = ev.rawTrailers;
          parser.nextMessage();
        }
      }
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    out.error = err.code;
  }
  out.body = Buffer.concat(bodies);
  return out;
};

test('valid requests parse to what was generated, however they are split', (t) => {
  fc.assert(
    fc.property(request.chain((r) => fc.tuple(fc.constant(r), splits(r.bytes.length))), ([r, cuts]) => {
      const whole = parse(r.bytes, []);
      const split = parse(r.bytes, cuts);
      const bytewise = parse(r.bytes, Array.from({ length: r.bytes.length }, (_, i) => i + 1));
      if (whole.error !== null) throw new Error(`valid request rejected: ${whole.error}\n${r.bytes.toString('latin1')}`);
      const head = whole.heads[0]!;
      if (head.method !== r.method || head.target !== r.target) throw new Error('request line differs');
      t.deepEqual(head.rawHeaders.slice(2, 2 + 2 * r.headers.length), r.headers.flat(), 'fields kept in order and case');
      if (r.chunked) t.deepEqual(whole.trailers ?? [], r.trailers.flat(), 'trailers');
      if (!whole.body.equals(r.body)) throw new Error('body differs');
      t.deepEqual(split, whole);
      t.deepEqual(bytewise, whole);
    }),
    { numRuns: runs(300) },
  );
  t.pass();
});

test('arbitrary bytes give events or an HttpError, and the parser always makes progress', (t) => {
  const noise = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u)),
    // Mutations of a valid request find the interesting edges faster than pure noise.
    fc.tuple(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([r, edits]) => {
      const b = Buffer.from(r.bytes);
      for (const [pos, byte] of edits) b[pos % b.length] = byte;
      return b;
    }),
  );
  fc.assert(
    fc.property(noise, fc.nat(50), (bytes, cut) => {
      const a = parse(bytes, []);
      const b = parse(bytes, [Math.min(cut, bytes.length)]);
      // Splitting changes nothing about the outcome.
      if (a.error !== b.error || a.heads.length !== b.heads.length) throw new Error('split changed the outcome');
    }),
    { numRuns: runs(2000) },
  );
  t.pass();
});
