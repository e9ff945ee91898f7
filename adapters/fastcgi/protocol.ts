// FastCGI 1.0 records, as the specification (Open Market, 1996) lays them out,
// encoded without I/O. A record is an 8-byte header (version, type, request id,
// content length, padding length, reserved; §3.3) followed by its content and
// padding. Content is at most 65535 bytes, so long streams are cut into several
// records; padding rounds each record to 8 bytes, as the spec recommends (§3.3)
// and php-fpm and nginx do. Name-value pairs (§3.4) carry lengths of one byte
// below 128 and four bytes (high bit set) otherwise. A stream ends with an empty
// record of its type (§3.3). requestHead() lays out what opens a request in
// one buffer, writing names and values in place, since it is sent per request.

export const FCGI_VERSION_1 = 1;
export const HEADER_LEN = 8;
export const MAX_CONTENT = 0xffff;

/** Record types (§8). */
export const enum RecordType {
  BeginRequest = 1,
  AbortRequest = 2,
  EndRequest = 3,
  Params = 4,
  Stdin = 5,
  Stdout = 6,
  Stderr = 7,
  Data = 8,
  GetValues = 9,
  GetValuesResult = 10,
  UnknownType = 11,
}

/** Roles (§6) and the BEGIN_REQUEST flag (§5.1). */
export const FCGI_RESPONDER = 1;
export const FCGI_KEEP_CONN = 1;

/** END_REQUEST protocol status (§5.5). */
export const enum ProtocolStatus {
  RequestComplete = 0,
  CantMultiplexConn = 1,
  Overloaded = 2,
  UnknownRole = 3,
}

const paddingFor = (length: number): number => (8 - (length & 7)) & 7;
const ZEROS = Buffer.alloc(8);
const EMPTY = Buffer.alloc(0);

const writeHeader = (out: Buffer, at: number, type: RecordType, requestId: number, contentLength: number, paddingLength: number): number => {
  out[at] = FCGI_VERSION_1;
  out[at + 1] = type;
  out.writeUInt16BE(requestId, at + 2);
  out.writeUInt16BE(contentLength, at + 4);
  out[at + 6] = paddingLength;
  out[at + 7] = 0;
  return at + HEADER_LEN;
};

const header = (type: RecordType, requestId: number, contentLength: number, paddingLength: number): Buffer => {
  const h = Buffer.allocUnsafe(HEADER_LEN);
  writeHeader(h, 0, type, requestId, contentLength, paddingLength);
  return h;
};

/** One record around `content` (at most MAX_CONTENT bytes), padded to 8 bytes, as buffers to write in order. */
export const recordParts = (type: RecordType, requestId: number, content: Uint8Array): Buffer[] => {
  if (content.length > MAX_CONTENT) throw new RangeError(`FastCGI record content of ${content.length} bytes`);
  const pad = paddingFor(content.length);
  const parts = [header(type, requestId, content.length, pad)];
  if (content.length > 0) parts.push(Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.length));
  if (pad > 0) parts.push(ZEROS.subarray(0, pad));
  return parts;
};

/** The records of a stream chunk (STDIN, PARAMS): cut at MAX_CONTENT; an empty chunk is the end of the stream. */
export const streamRecords = (type: RecordType, requestId: number, data: Uint8Array): Buffer[] => {
  if (data.length === 0) return recordParts(type, requestId, data);
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_CONTENT) {
    parts.push(...recordParts(type, requestId, data.subarray(at, Math.min(at + MAX_CONTENT, data.length))));
  }
  return parts;
};

const BEGIN_BODY_LEN = 8;

/** FCGI_BEGIN_REQUEST (§5.1) at `at`: its header, the responder role and flags, then 5 reserved bytes. */
const writeBeginRequest = (out: Buffer, at: number, requestId: number, keepConn: boolean): number => {
  at = writeHeader(out, at, RecordType.BeginRequest, requestId, BEGIN_BODY_LEN, 0);
  out.writeUInt16BE(FCGI_RESPONDER, at);
  out[at + 2] = keepConn ? FCGI_KEEP_CONN : 0;
  out.fill(0, at + 3, at + BEGIN_BODY_LEN);
  return at + BEGIN_BODY_LEN;
};

/** FCGI_BEGIN_REQUEST (§5.1) as a record of its own. */
export const beginRequest = (requestId: number, keepConn: boolean): Buffer => {
  const out = Buffer.allocUnsafe(HEADER_LEN + BEGIN_BODY_LEN);
  writeBeginRequest(out, 0, requestId, keepConn);
  return out;
};

/** FCGI_ABORT_REQUEST (§5.4): no content. */
export const abortRequest = (requestId: number): Buffer => Buffer.concat(recordParts(RecordType.AbortRequest, requestId, EMPTY));

const lengthBytes = (n: number): number => (n < 128 ? 1 : 4);

const writeLength = (buf: Buffer, at: number, n: number): number => {
  if (n < 128) {
    buf[at] = n;
    return at + 1;
  }
  if (n > 0x7fffffff) throw new RangeError('FastCGI name or value longer than 2^31-1 bytes');
  buf.writeUInt32BE((n | 0x80000000) >>> 0, at);
  return at + 4;
};

/** The encoded size of name-value pairs (§3.4): latin1 keeps names and values one byte per character. */
const pairsSize = (pairs: Readonly<Record<string, string>>): number => {
  let size = 0;
  for (const name in pairs) {
    const n = name.length;
    const v = pairs[name]!.length;
    size += lengthBytes(n) + lengthBytes(v) + n + v;
  }
  return size;
};

/** Below this length a string is copied character by character: a call into C++ (Buffer#write) costs more. */
const SHORT_STRING = 64;

/** Writes `s` at `at` as latin1 (the low byte of each UTF-16 unit, as Buffer.from(s, 'latin1') does). */
const writeLatin1 = (out: Buffer, at: number, s: string): number => {
  const n = s.length;
  if (n >= SHORT_STRING) return at + out.write(s, at, 'latin1');
  for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
  return at + n;
};

/** Writes the pairs into `out` at `at`, each string straight from its characters (no buffer per string). */
const writePairs = (out: Buffer, at: number, pairs: Readonly<Record<string, string>>): number => {
  for (const name in pairs) {
    const value = pairs[name]!;
    at = writeLength(out, at, name.length);
    at = writeLength(out, at, value.length);
    at = writeLatin1(out, at, name);
    at = writeLatin1(out, at, value);
  }
  return at;
};

/** Name-value pairs (§3.4), one after the other; names and values are bytes (latin1 keeps them one-to-one). */
export const encodePairs = (pairs: Readonly<Record<string, string>>): Buffer => {
  const out = Buffer.allocUnsafe(pairsSize(pairs));
  writePairs(out, 0, pairs);
  return out;
};

/**
 * What opens a request, in one buffer to write at once: BEGIN_REQUEST with
 * FCGI_KEEP_CONN, the params and the empty record that ends them, and, for a
 * request without a body, the empty STDIN record too. Params that fit in one
 * record (the usual case) are encoded in place; more are cut into records.
 */
export const requestHead = (requestId: number, params: Readonly<Record<string, string>>, endStdin: boolean): Buffer => {
  const size = pairsSize(params);
  if (size > MAX_CONTENT) {
    const parts = [beginRequest(requestId, true), ...streamRecords(RecordType.Params, requestId, encodePairs(params)), ...streamRecords(RecordType.Params, requestId, EMPTY)];
    if (endStdin) parts.push(...streamRecords(RecordType.Stdin, requestId, EMPTY));
    return Buffer.concat(parts);
  }
  const pad = paddingFor(size);
  const out = Buffer.allocUnsafe(HEADER_LEN + BEGIN_BODY_LEN + HEADER_LEN + size + pad + HEADER_LEN + (endStdin ? HEADER_LEN : 0));
  let at = writeBeginRequest(out, 0, requestId, true);
  at = writeHeader(out, at, RecordType.Params, requestId, size, pad);
  at = writePairs(out, at, params);
  out.fill(0, at, at + pad);
  at = writeHeader(out, at + pad, RecordType.Params, requestId, 0, 0);
  if (endStdin) writeHeader(out, at, RecordType.Stdin, requestId, 0, 0);
  return out;
};

/** Decodes name-value pairs (§3.4); throws on a truncated pair. */
export const decodePairs = (data: Buffer): Array<[string, string]> => {
  const pairs: Array<[string, string]> = [];
  let at = 0;
  const readLength = (): number => {
    if (at >= data.length) throw new RangeError('Truncated FastCGI name-value pair');
    if (data[at]! < 128) return data[at++]!;
    if (at + 4 > data.length) throw new RangeError('Truncated FastCGI name-value pair');
    const n = data.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return n;
  };
  while (at < data.length) {
    const nl = readLength();
    const vl = readLength();
    if (at + nl + vl > data.length) throw new RangeError('Truncated FastCGI name-value pair');
    pairs.push([data.toString('latin1', at, at + nl), data.toString('latin1', at + nl, at + nl + vl)]);
    at += nl + vl;
  }
  return pairs;
};
