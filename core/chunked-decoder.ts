// Decoder for the chunked transfer coding (RFC 9112 §7.1), a byte-driven state
// machine that can stop and resume at any byte. It hands out chunk data as
// slices of the input (no copies) and collects the trailer section, bounded.
// Strictness, for smuggling's sake: hex digits only (no sign, "0x" or spaces
// before), at most 2^53-1, a chunk-ext of printable bytes only and of bounded
// length, CRLF (never a bare LF) after the size line and after the data.

import { HttpError, badRequest } from './errors.js';
import { CR, FIELD_VALUE_CHAR, HEX_VALUE, HTAB, LF, SP, TCHAR } from './chars.js';
import { type FieldLine, parseFieldLine } from './field-line.js';
import { type HeaderMap, addHeader, newHeaderMap } from './headers.js';

const enum State {
  Size,
  SizeWhitespace,
  Extension,
  SizeLF,
  Data,
  DataCR,
  DataLF,
  Trailer,
  Done,
}

/** Where the decoder is inside a chunk-ext (after the ";"). */
const enum Ext {
  NameStart,
  Name,
  AfterName,
  ValueStart,
  Token,
  Quoted,
  QuotedPair,
  AfterValue,
}

export class ChunkedDecoder {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  private extensionBytes = 0;
  private trailerParts: Buffer[] = [];
  private trailerBytes = 0;
  private lineHasBytes = false;
  private extState = Ext.NameStart;
  private afterCR = false;

  /** Data found by the last `decode` call, or null. */
  data: Buffer | null = null;
  /** Set once the last chunk and trailer section are read. */
  done = false;
  trailers: HeaderMap | null = null;
  rawTrailers: string[] | null = null;

  constructor(
    private readonly maxExtensionBytes: number,
    private readonly maxTrailerBytes: number,
  ) {}

  /**
   * Consumes buf[pos, end) until a data slice is found, the message ends or the
   * input runs out. Returns the new position; check `data` and `done` after.
   */
  decode(buf: Buffer, pos: number, end: number): number {
    this.data = null;
    while (pos < end) {
      const c = buf[pos]!;
      switch (this.state) {
        case State.Size: {
          const h = HEX_VALUE[c]!;
          if (h >= 0) {
            this.size = this.size * 16 + h;
            this.digits++;
            // Check the value, not the digit count: 14 hex digits already reach 2^56,
            // and a size past 2^53-1 is no longer exact in a JS number.
            if (this.size > Number.MAX_SAFE_INTEGER) throw badRequest('ERR_BAD_CHUNK', 'Chunk size overflows');
            pos++;
            continue;
          }
          if (this.digits === 0) throw badRequest('ERR_BAD_CHUNK', 'Chunk size is not a hex number');
          this.state = State.SizeWhitespace;
          continue;
        }
        case State.SizeWhitespace:
          // BWS ";" ext, or the end of the size line. Whitespace is BWS before ";"
          // only (RFC 9112 §7.1.1): "5 \r\n" is not a chunk-size line.
          if (c === SP || c === HTAB) {
            if (++this.extensionBytes > this.maxExtensionBytes) throw extensionTooLong();
            pos++;
          } else if (c === 0x3b /* ; */) {
            this.state = State.Extension;
            pos++;
          } else if (c === CR && this.extensionBytes === 0) {
            this.state = State.SizeLF;
            pos++;
          } else {
            throw badRequest('ERR_BAD_CHUNK', 'Invalid byte after chunk size');
          }
          continue;
        case State.Extension:
          if (c !== CR && ++this.extensionBytes > this.maxExtensionBytes) throw extensionTooLong();
          if (this.extension(c)) this.state = State.SizeLF;
          pos++;
          continue;
        case State.SizeLF:
          if (c !== LF) throw badRequest('ERR_BAD_CHUNK', 'Chunk size line not ended by CRLF');
          pos++;
          this.extensionBytes = 0;
          this.digits = 0;
          if (this.size === 0) {
            this.state = State.Trailer;
          } else {
            this.state = State.Data;
          }
          continue;
        case State.Data: {
          const n = Math.min(this.size, end - pos);
          this.data = buf.subarray(pos, pos + n);
          this.size -= n;
          if (this.size === 0) this.state = State.DataCR;
          return pos + n;
        }
        case State.DataCR:
          if (c !== CR) throw badRequest('ERR_BAD_CHUNK', 'Chunk data not followed by CRLF');
          this.state = State.DataLF;
          pos++;
          continue;
        case State.DataLF:
          if (c !== LF) throw badRequest('ERR_BAD_CHUNK', 'Chunk data not followed by CRLF');
          this.state = State.Size;
          pos++;
          continue;
        case State.Trailer:
          return this.decodeTrailer(buf, pos, end);
        case State.Done:
          return pos;
      }
    }
    return pos;
  }

  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-name = token,
  // ext-val = token / quoted-string (RFC 9112 §7.1.1). Checked to the letter: a hop
  // that reads an open quote as running past CRLF must never see a different
  // message than we do (the quoted-CRLF differential). Returns true at the final CR.
  private extension(c: number): boolean {
    const s = this.extState;
    if (s === Ext.Quoted) {
      if (c === 0x22) this.extState = Ext.AfterValue;
      else if (c === 0x5c) this.extState = Ext.QuotedPair;
      else if (FIELD_VALUE_CHAR[c] === 0) throw badExtension();
      return false;
    }
    if (s === Ext.QuotedPair) {
      if (FIELD_VALUE_CHAR[c] === 0) throw badExtension();
      this.extState = Ext.Quoted;
      return false;
    }
    if (TCHAR[c] === 1) {
      if (s === Ext.NameStart || s === Ext.Name) this.extState = Ext.Name;
      else if (s === Ext.ValueStart || s === Ext.Token) this.extState = Ext.Token;
      else throw badExtension();
      return false;
    }
    const whitespace = c === SP || c === HTAB;
    if (whitespace) {
      // BWS: allowed around ";" and "="; it ends a name or a token.
      if (s === Ext.Name) this.extState = Ext.AfterName;
      else if (s === Ext.Token) this.extState = Ext.AfterValue;
      return false;
    }
    const complete = s === Ext.Name || s === Ext.AfterName || s === Ext.Token || s === Ext.AfterValue;
    if (c === 0x3b /* ; */ && complete) {
      this.extState = Ext.NameStart;
      return false;
    }
    if (c === 0x3d /* = */ && (s === Ext.Name || s === Ext.AfterName)) {
      this.extState = Ext.ValueStart;
      return false;
    }
    if (c === 0x22 /* " */ && s === Ext.ValueStart) {
      this.extState = Ext.Quoted;
      return false;
    }
    if (c === CR && complete) {
      this.extState = Ext.NameStart;
      return true;
    }
    throw badExtension();
  }

  // The trailer section is field lines ended by an empty line. Lines are scanned
  // for CRLF here and copied out (they may span reads), then parsed at the end.
  private decodeTrailer(buf: Buffer, pos: number, end: number): number {
    const start = pos;
    while (pos < end) {
      const c = buf[pos++]!;
      if (this.afterCR) {
        if (c !== LF) throw badRequest('ERR_BAD_CHUNK', 'Bare CR in trailer section');
        this.afterCR = false;
        if (!this.lineHasBytes) {
          this.keepTrailerBytes(buf, start, pos);
          this.finishTrailers();
          return pos;
        }
        this.lineHasBytes = false;
      } else if (c === CR) {
        this.afterCR = true;
      } else if (c === LF) {
        throw badRequest('ERR_BAD_LINE_ENDING', 'Bare LF in trailer section');
      } else {
        this.lineHasBytes = true;
      }
    }
    this.keepTrailerBytes(buf, start, pos);
    return pos;
  }

  private keepTrailerBytes(buf: Buffer, start: number, end: number): void {
    if (end === start) return;
    this.trailerBytes += end - start;
    if (this.trailerBytes > this.maxTrailerBytes) {
      throw new HttpError('ERR_TRAILERS_TOO_LARGE', 431, 'Trailer section exceeds the limit');
    }
    this.trailerParts.push(Buffer.from(buf.subarray(start, end)));
  }

  private finishTrailers(): void {
    this.state = State.Done;
    this.done = true;
    if (this.trailerBytes <= 2) return; // only the final CRLF: no trailers
    const all = Buffer.concat(this.trailerParts);
    this.trailerParts = [];
    const map = newHeaderMap();
    const raw: string[] = [];
    const field: FieldLine = { name: '', value: '' };
    let lineStart = 0;
    // Each line ends in CRLF (checked above); the last line is the empty one.
    for (let i = all.indexOf(LF); i !== -1 && i - 1 > lineStart; i = all.indexOf(LF, lineStart)) {
      parseFieldLine(all, lineStart, i - 1, field);
      raw.push(field.name, field.value);
      addHeader(map, field.name.toLowerCase(), field.value);
      lineStart = i + 1;
    }
    this.trailers = map;
    this.rawTrailers = raw;
  }
}

const badExtension = (): HttpError => badRequest('ERR_BAD_CHUNK', 'Malformed chunk extension');

const extensionTooLong = (): HttpError =>
  badRequest('ERR_CHUNK_EXTENSION_TOO_LONG', 'Chunk extension exceeds the limit');
