// The chunked decoder on its own (core/chunked-decoder.ts): data slices without
// copies, resumption at any byte, trailers, and every refusal by its code.

import test from 'ava';
import { HttpError } from '../../core/index.js';
import { ChunkedDecoder } from '../../core/chunked-decoder.js';

interface Decoded {
  body: string;
  done: boolean;
  trailers: Record<string, string> | null;
  rawTrailers: string[] | null;
  consumed: number;
}

/** Feeds `input` in pieces of `step` bytes (0: all at once). */
const decode = (input: string, step = 0, maxExt = 16, maxTrailer = 64): Decoded => {
  const d = new ChunkedDecoder(maxExt, maxTrailer);
  const buf = Buffer.from(input, 'latin1');
  let body = '';
  let consumed = 0;
  const size = step === 0 ? buf.length : step;
  for (let at = 0; at < buf.length && !d.done; at += size) {
    const piece = buf.subarray(at, Math.min(buf.length, at + size));
    let pos = 0;
    while (pos < piece.length && !d.done) {
      pos = d.decode(piece, pos, piece.length);
      if (d.data !== null) body += d.data.toString('latin1');
    }
    consumed += pos;
  }
  return { body, done: d.done, trailers: d.trailers === null ? null : { ...d.trailers }, rawTrailers: d.rawTrailers, consumed };
};

const codeOf = (input: string, step = 0): string => {
  try {
    decode(input, step);
  } catch (err) {
    return (err as HttpError).code;
  }
  return 'accepted';
};

test('decodes chunks the same at any piece size and stops after the message', (t) => {
  const input = '4\r\nWiki\r\n5;x=y\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nA: 1\r\nB:2 \r\n\r\nNEXT';
  const whole = decode(input);
  t.deepEqual(whole, {
    body: 'Wikipedia in\r\n\r\nchunks.',
    done: true,
    trailers: { a: '1', b: '2' },
    rawTrailers: ['A', '1', 'B', '2'],
    consumed: input.length - 4,
  });
  for (const step of [1, 2, 3, 7]) t.deepEqual(decode(input, step).body, whole.body);
  for (const step of [1, 2, 3, 7]) t.deepEqual(decode(input, step).trailers, whole.trailers);
});

test('data is handed out as slices of the input, not copies', (t) => {
  const buf = Buffer.from('3\r\nabc\r\n0\r\n\r\n');
  const d = new ChunkedDecoder(16, 64);
  const pos = d.decode(buf, 0, buf.length);
  t.is(d.data!.toString(), 'abc');
  t.is(d.data!.buffer, buf.buffer);
  t.is(pos, 6);
});

test('a message without trailers has null trailers', (t) => {
  t.deepEqual(decode('0\r\n\r\n'), { body: '', done: true, trailers: null, rawTrailers: null, consumed: 5 });
});

test('incomplete input is not done', (t) => {
  t.false(decode('5\r\nhel').done);
  t.false(decode('0\r\nA: 1\r\n').done);
});

test('refusals carry stable codes at any piece size', (t) => {
  const cases: Array<[string, string]> = [
    ['+5\r\nhello\r\n0\r\n\r\n', 'ERR_BAD_CHUNK'],
    ['0x5\r\nhello\r\n0\r\n\r\n', 'ERR_BAD_CHUNK'],
    [' 5\r\nhello\r\n0\r\n\r\n', 'ERR_BAD_CHUNK'],
    ['5 \r\nhello\r\n0\r\n\r\n', 'ERR_BAD_CHUNK'],
    ['5\t\r\nhello\r\n0\r\n\r\n', 'ERR_BAD_CHUNK'],
    ['20000000000000\r\n', 'ERR_BAD_CHUNK'],
    ['1FFFFFFFFFFFFF\r\n', 'accepted'],
    ['5\r\nhelloXY', 'ERR_BAD_CHUNK'],
    ['5\r\nhello\rX', 'ERR_BAD_CHUNK'],
    ['5\nhello', 'ERR_BAD_CHUNK'],
    ['5\rX', 'ERR_BAD_CHUNK'],
    [`5;${'e'.repeat(17)}\r\n`, 'ERR_CHUNK_EXTENSION_TOO_LONG'],
    [`5${' '.repeat(17)};e\r\n`, 'ERR_CHUNK_EXTENSION_TOO_LONG'],
    ['5;a\x7f\r\n', 'ERR_BAD_CHUNK'],
    [`0\r\nX: ${'t'.repeat(70)}\r\n\r\n`, 'ERR_TRAILERS_TOO_LARGE'],
    ['0\r\nX: 1\n\r\n', 'ERR_BAD_LINE_ENDING'],
    ['0\r\nX: 1\rY\r\n\r\n', 'ERR_BAD_CHUNK'],
    ['0\r\n X: 1\r\n\r\n', 'ERR_OBS_FOLD'],
    ['0\r\nX 1\r\n\r\n', 'ERR_BAD_HEADER'],
  ];
  for (const [input, code] of cases) {
    t.is(codeOf(input), code, JSON.stringify(input));
    t.is(codeOf(input, 1), code, `${JSON.stringify(input)} byte by byte`);
  }
});

test('an HttpError from the decoder is a 400 or 431', (t) => {
  const err = t.throws(() => decode('g\r\n'), { instanceOf: HttpError });
  t.is(err.status, 400);
  const big = t.throws(() => decode(`0\r\nX: ${'t'.repeat(70)}\r\n\r\n`), { instanceOf: HttpError });
  t.is(big.status, 431);
});

test('decoding after the end consumes nothing', (t) => {
  const d = new ChunkedDecoder(16, 64);
  const buf = Buffer.from('0\r\n\r\nGET');
  const end = d.decode(buf, 0, buf.length);
  t.true(d.done);
  t.is(d.decode(buf, end, buf.length), end);
});
