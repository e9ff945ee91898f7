// fast-check generators for the fuzz suites: well-formed requests (to check that
// any split parses like a single write) and the responses apps may send (to check
// that what Portico frames, a real client reads back unchanged). FUZZ_RUNS scales
// the number of cases: small in `npm test`, large in `npm run fuzz`.

import fc from 'fast-check';

export const runs = (ciDefault: number): number => Number(process.env['FUZZ_RUNS'] ?? ciDefault);

const TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split('');
const PATH_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-._~!$&\'()*+,;=:@/%'.split('');
const VALUE_CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~\t'.split('');

export const token = fc.array(fc.constantFrom(...TCHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const fieldValue = fc
  .array(fc.constantFrom(...VALUE_CHARS), { maxLength: 40 })
  .map((a) => a.join('').trim());
const path = fc
  .array(fc.constantFrom(...PATH_CHARS.filter((c) => c !== '%')), { maxLength: 30 })
  .map((a) => '/' + a.join(''));

const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer']);
const extraHeader = fc.tuple(token, fieldValue).filter(([n]) => !RESERVED.has(n.toLowerCase()));

export interface GeneratedRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: Buffer;
  chunked: boolean;
  /** Chunk sizes used when chunked. */
  chunkSizes: number[];
  trailers: Array<[string, string]>;
  bytes: Buffer;
}

export const request: fc.Arbitrary<GeneratedRequest> = fc
  .record({
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), token),
    target: path,
    headers: fc.array(extraHeader, { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 300 }),
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
    trailers: fc.array(extraHeader, { maxLength: 3 }),
    ext: fc.option(token, { nil: undefined }),
  })
  .map((r) => {
    const body = Buffer.from(r.body);
    let head = `${r.method} ${r.target} HTTP/1.1\r\nHost: example.test\r\n`;
    for (const [n, v] of r.headers) head += `${n}: ${v}\r\n`;
    let bodyBytes: Buffer;
    if (r.chunked) {
      head += 'Transfer-Encoding: chunked\r\n\r\n';
      const parts: Buffer[] = [];
      let at = 0;
      let k = 0;
      while (at < body.length) {
        const n = Math.min(r.chunkSizes[k++ % r.chunkSizes.length]!, body.length - at);
        parts.push(Buffer.from(`${n.toString(16)}${r.ext ? ';' + r.ext : ''}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
        at += n;
      }
      let trailer = '0\r\n';
      for (const [n, v] of r.trailers) trailer += `${n}: ${v}\r\n`;
      parts.push(Buffer.from(trailer + '\r\n'));
      bodyBytes = Buffer.concat(parts);
    } else {
      head += `Content-Length: ${body.length}\r\n\r\n`;
      bodyBytes = body;
    }
    return {
      method: r.method,
      target: r.target,
      headers: r.headers,
      body,
      chunked: r.chunked,
      chunkSizes: r.chunkSizes,
      trailers: r.chunked ? r.trailers : [],
      bytes: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]),
    };
  });

/** Cut points (sorted, inside the buffer) for splitting `length` bytes. */
export const splits = (length: number): fc.Arbitrary<number[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 12 }).map((a) => a.sort((x, y) => x - y));

export interface GeneratedResponse {
  status: number;
  headers: Array<[string, string]>;
  parts: Buffer[];
  /** end(body) at once, or write() in parts. */
  streamed: boolean;
}

export const response: fc.Arbitrary<GeneratedResponse> = fc.record({
  status: fc.oneof(fc.constantFrom(200, 201, 202, 400, 404, 418, 500, 503), fc.integer({ min: 200, max: 599 })),
  headers: fc.uniqueArray(extraHeader, { maxLength: 6, selector: ([n]) => n.toLowerCase() }).map((h) =>
    h.filter(([n]) => !['date', 'keep-alive', 'content-encoding'].includes(n.toLowerCase())),
  ),
  parts: fc.array(fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)), { maxLength: 6 }),
  streamed: fc.boolean(),
});
