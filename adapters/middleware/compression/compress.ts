// Response compression as a wrapper app: compress(app) hands the app a
// responder that holds the head until the first body part, decides then (type,
// size, status, Content-Encoding, Content-Range, Cache-Control: no-transform),
// and either passes everything through untouched or routes the body through a
// node:zlib gzip or brotli stream. A body complete at once and small enough is
// compressed synchronously and keeps its Content-Length; a streamed one goes
// through the zlib stream with backpressure both ways (the app's write()
// returns false when zlib is full; zlib pauses while the client is behind).
// Event streams are flushed after every write so no event waits in a buffer.
// Requests that cannot be compressed (HEAD, no acceptable coding) skip the
// wrapper entirely, so they cost nothing.

import zlib from 'node:zlib';
import type { App, AppResponse, Chunk, Env, OutgoingHeaders, Responder } from '../../env.js';
import { HttpError, type HeadOptions } from '../../../core/index.js';
import { sendResponse } from '../../respond.js';
import { type Coding, isCompressibleType, negotiateEncoding } from './negotiate.js';

export interface CompressionOptions {
  /** Smallest body worth compressing when its size is known (bytes). Default 1024. */
  threshold?: number;
  /** Codings offered, best first. Default ['br', 'gzip']. */
  encodings?: readonly Coding[];
  /** gzip level 1–9. Default 6 (zlib's default, as nginx). */
  gzipLevel?: number;
  /** brotli quality 0–11. Default 4: close to gzip -6 in speed, smaller output; 11 is for precompressing. */
  brotliQuality?: number;
  /** Which Content-Types to compress. Default: text/*, JSON, JavaScript, XML, SVG and kin. */
  filter?: (contentType: string) => boolean;
}

interface Config {
  threshold: number;
  encodings: readonly Coding[];
  gzipLevel: number;
  brotliQuality: number;
  filter: (contentType: string) => boolean;
}

/** Complete bodies up to this size are compressed synchronously (well under a millisecond). */
const SYNC_LIMIT = 64 * 1024;

export const compress = (app: App, options: CompressionOptions = {}): App => {
  const config: Config = {
    threshold: options.threshold ?? 1024,
    encodings: options.encodings ?? ['br', 'gzip'],
    gzipLevel: options.gzipLevel ?? 6,
    brotliQuality: options.brotliQuality ?? 4,
    filter: options.filter ?? isCompressibleType,
  };
  return (env: Env, res: Responder) => {
    const accept = env.headers['accept-encoding'];
    if (accept === undefined || env.method === 'HEAD') return app(env, res);
    const coding = negotiateEncoding(accept, config.encodings);
    if (coding === null) return app(env, res);
    const wrapped = new CompressingResponder(res, coding, config);
    const result = app(env, wrapped);
    if (result === undefined) return;
    if (typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<void | AppResponse>).then((answer) => (answer === undefined ? undefined : respond(wrapped, answer)));
    }
    return respond(wrapped, result as AppResponse);
  };
};

/** Writes a returned response through the wrapper: synchronously when complete (no promise hop), else streamed. */
const respond = (res: Responder, answer: AppResponse): Promise<void> | undefined => {
  const body = answer.body;
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
    res.writeHead(answer.status, answer.headers);
    res.end(body ?? undefined, answer.trailers);
    return undefined;
  }
  return sendResponse(res, answer);
};

type Fields = Array<[string, string]>;

class CompressingResponder implements Responder {
  private status = 200;
  private fields: Fields | null = null;
  private headOptions: HeadOptions | undefined;
  private committed = false;
  private endCalled = false;
  private stream: zlib.Gzip | zlib.BrotliCompress | null = null;
  private flushEach = false;
  private trailers: OutgoingHeaders | undefined;
  private drainCallbacks: Array<() => void> | null = null;
  /** Set by commit() for a complete body to compress synchronously. */
  private pendingSync: ((body: Chunk) => Buffer) | null = null;

  constructor(
    private readonly res: Responder,
    private readonly coding: Coding,
    private readonly config: Config,
  ) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  get ended(): boolean {
    return this.endCalled || this.res.ended;
  }

  get aborted(): boolean {
    return this.res.aborted;
  }

  get signal(): AbortSignal {
    return this.res.signal;
  }

  writeHead(status: number, headers?: OutgoingHeaders, options?: HeadOptions): this {
    if (this.committed) {
      this.res.writeHead(status, headers, options); // throws ERR_HEADERS_SENT as the engine would
      return this;
    }
    this.status = status;
    this.fields = headers === undefined ? null : toFields(headers);
    this.headOptions = options;
    return this;
  }

  writeInformational(status: number, headers?: OutgoingHeaders): void {
    this.res.writeInformational(status, headers);
  }

  write(chunk: Chunk): boolean {
    if (!this.committed) this.commit(-1);
    const stream = this.stream;
    if (stream === null) return this.res.write(chunk);
    if (this.endCalled) throw new HttpError('ERR_WRITE_AFTER_END', 500, 'write() after end()');
    if (this.res.aborted) return false;
    const ok = stream.write(chunk);
    if (this.flushEach) stream.flush(this.flushKind());
    return ok;
  }

  end(chunk?: Chunk, trailers?: OutgoingHeaders): void {
    if (!this.committed) {
      const length = chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      this.commit(length);
      if (this.stream === null) {
        if (this.pendingSync !== null) {
          const body = this.pendingSync(chunk ?? '');
          this.pendingSync = null;
          this.endCalled = true;
          this.res.end(body, trailers);
          return;
        }
        this.res.end(chunk, trailers);
        return;
      }
    }
    const stream = this.stream;
    if (stream === null) return this.res.end(chunk, trailers);
    if (this.endCalled) throw new HttpError('ERR_WRITE_AFTER_END', 500, 'end() called twice');
    this.endCalled = true;
    this.trailers = trailers;
    if (chunk === undefined) stream.end();
    else stream.end(chunk);
  }

  abort(err?: Error): void {
    this.stream?.destroy();
    this.res.abort(err);
  }

  onDrain(cb: () => void): void {
    if (this.stream === null) return this.res.onDrain(cb);
    (this.drainCallbacks ??= []).push(cb);
  }

  onClose(cb: (err?: Error) => void): void {
    this.res.onClose(cb);
  }

  detach(): { socket: import('node:net').Socket; head: Buffer } {
    return this.res.detach();
  }

  // ---- deciding ----

  /** Sends the head: as given, or rewritten for a compressed body. `length` is the complete body's size, or -1 when streamed. */
  private commit(length: number): void {
    this.committed = true;
    const fields = this.fields ?? [];
    if (!this.shouldCompress(fields, length)) {
      this.res.writeHead(this.status, this.fields ?? undefined, this.headOptions);
      return;
    }
    const out: Fields = [];
    let vary: string | null = null;
    let contentType = '';
    for (const [name, value] of fields) {
      const lower = name.toLowerCase();
      if (lower === 'content-length') continue; // the compressed length is not known yet
      if (lower === 'vary') {
        vary = vary === null ? value : vary + ', ' + value;
        continue;
      }
      if (lower === 'content-type') contentType = value;
      // RFC 9110 §8.8.3: a strong validator names exact bytes; these are other bytes.
      if (lower === 'etag' && !value.startsWith('W/')) {
        out.push([name, 'W/' + value]);
        continue;
      }
      out.push([name, value]);
    }
    out.push(['content-encoding', this.coding]);
    // RFC 9110 §12.5.5: the body chosen depends on Accept-Encoding.
    if (vary === null) out.push(['vary', 'Accept-Encoding']);
    else if (vary.trim() === '*' || /(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) out.push(['vary', vary]);
    else out.push(['vary', vary + ', Accept-Encoding']);
    this.res.writeHead(this.status, out, this.headOptions);
    if (length >= 0 && length <= SYNC_LIMIT) {
      this.pendingSync = (body) => this.compressSync(body, length);
      return;
    }
    this.flushEach = contentType.toLowerCase().startsWith('text/event-stream');
    this.startStream(length);
  }

  private shouldCompress(fields: Fields, length: number): boolean {
    const status = this.status;
    if (status < 200 || status === 204 || status === 206 || status === 304) return false;
    let type: string | null = null;
    let declared = -1;
    for (const [name, value] of fields) {
      switch (name.toLowerCase()) {
        case 'content-type':
          type = value;
          break;
        case 'content-encoding':
          if (value.trim().toLowerCase() !== 'identity') return false; // already encoded
          break;
        case 'content-range':
          return false; // a range of the identity representation (RFC 9110 §14.4)
        case 'cache-control':
          if (/(^|[\s,])no-transform($|[\s,])/i.test(value)) return false; // RFC 9111 §5.2.2.6
          break;
        case 'content-length':
          declared = Number(value);
          break;
      }
    }
    if (type === null || !this.config.filter(type)) return false;
    const size = length >= 0 ? length : declared;
    return size < 0 || size >= this.config.threshold;
  }

  // ---- compressing ----

  private compressSync(body: Chunk, length: number): Buffer {
    const input = typeof body === 'string' ? Buffer.from(body) : body;
    if (this.coding === 'gzip') return zlib.gzipSync(input, { level: this.config.gzipLevel });
    return zlib.brotliCompressSync(input, { params: this.brotliParams(length) });
  }

  private brotliParams(length: number): Record<number, number> {
    const params: Record<number, number> = {
      [zlib.constants.BROTLI_PARAM_QUALITY]: this.config.brotliQuality,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    };
    if (length > 0) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = length;
    return params;
  }

  private flushKind(): number {
    return this.coding === 'gzip' ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.BROTLI_OPERATION_FLUSH;
  }

  private startStream(length: number): void {
    const stream: zlib.Gzip | zlib.BrotliCompress =
      this.coding === 'gzip'
        ? zlib.createGzip({ level: this.config.gzipLevel })
        : zlib.createBrotliCompress({ params: this.brotliParams(length) });
    this.stream = stream;
    const res = this.res;
    const resume = (): void => {
      stream.resume();
    };
    stream.on('data', (out: Buffer) => {
      if (!res.write(out) && !res.aborted) {
        stream.pause();
        res.onDrain(resume);
      }
    });
    stream.on('drain', () => this.wake());
    stream.on('end', () => {
      if (!res.aborted && !res.ended) res.end(undefined, this.trailers);
    });
    stream.on('error', (err: Error) => {
      if (!res.aborted) res.abort(err);
    });
    res.onClose((err) => {
      if (err === undefined) return;
      stream.destroy();
      this.wake(); // writers waiting on drain must see the abort
    });
  }

  private wake(): void {
    const callbacks = this.drainCallbacks;
    if (callbacks === null) return;
    this.drainCallbacks = null;
    for (const cb of callbacks) cb();
  }
}

const toFields = (headers: OutgoingHeaders): Fields => {
  if (Array.isArray(headers)) return (headers as ReadonlyArray<readonly [string, string]>).map(([n, v]) => [n, v]);
  const fields: Fields = [];
  const record = headers as Readonly<Record<string, string | number | readonly string[] | undefined>>;
  for (const name in record) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value === 'string') fields.push([name, value]);
    else if (typeof value === 'number') fields.push([name, String(value)]);
    else for (const v of value) fields.push([name, v]);
  }
  return fields;
};
