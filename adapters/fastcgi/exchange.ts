// One request over one FastCGI connection (spec §3.5, §6.2): BEGIN_REQUEST
// with FCGI_KEEP_CONN, the params, then the body as STDIN records, each stream
// closed by an empty record. The application answers with STDOUT (a CGI
// document: read by the CGI adapter's own reader, cgi-document.ts, so Status,
// Location and local redirects work as there), STDERR (to the error log, line
// by line) and END_REQUEST.
// Backpressure runs both ways: a full socket to the application pauses the
// request body, and a client that is behind pauses the application's socket,
// so php-fpm blocks in write() and nothing piles up here. A client that leaves
// gets FCGI_ABORT_REQUEST (§5.4); the rest of the answer is drained so the
// connection can be reused, or it is closed after a grace period. The read
// timeout (nginx's fastcgi_read_timeout) runs while we wait for the
// application, not while the client is behind. The time from sending the
// request to its END_REQUEST (or failure) and the address go to the access log
// ($upstream_response_time, $upstream_addr), noted before the response ends.

import type { FileHandle } from 'node:fs/promises';
import type { BodyStream, Env, Responder } from '../env.js';
import { CgiDocumentReader, DocumentPhase, type DocumentEvents, type DocumentSource } from '../cgi/cgi-document.js';
import type { CgiError } from '../cgi/cgi-error.js';
import { StderrLog } from '../cgi/stderr-log.js';
import type { Logger } from '../log.js';
import type { FastCgiConnection, RecordSink } from './connection.js';
import type { RecordEvent } from './record-parser.js';
import { ProtocolStatus, RecordType, abortRequest, requestHead, streamRecords } from './protocol.js';
import { FastCgiError, type FastCgiErrorCode } from './fastcgi-error.js';
import { sendError } from './error-reply.js';

export type FastCgiInput =
  | { kind: 'none' }
  | { kind: 'buffer'; buffer: Buffer }
  | { kind: 'file'; file: FileHandle; length: number }
  | { kind: 'stream'; body: BodyStream };

export interface ExchangeOptions {
  readTimeoutMs: number;
  maxHeaderBytes: number;
  abortGraceMs: number;
}

export interface ExchangeRequest {
  env: Env;
  res: Responder;
  connection: FastCgiConnection;
  params: Record<string, string>;
  input: FastCgiInput;
  /** Where STDERR lines go; the StderrLog is made on the first STDERR record, which most answers lack. */
  stderr: { logger: Logger; mount: string; script: string };
  options: ExchangeOptions;
  log: (message: string, fields: Record<string, unknown>) => void;
  /** The application's address as given ("unix:/path", "host:port"), for $upstream_addr. */
  address: string;
  /** The connection was kept from an earlier request and the input can be sent again. */
  retryable: boolean;
}

export interface ExchangeResult {
  /** A local redirect the answer asked for (RFC 3875 §6.2.2), else null. */
  location: string | null;
  /** The connection may carry another request. */
  reusable: boolean;
  /** A kept connection was closed before any answer: nothing was sent, try a new one. */
  retry: boolean;
}

const enum Stage {
  /** The document is being read and sent (its own phase says how far). */
  Answering,
  /** The answer is settled (sent, failed or abandoned); what still comes is drained. */
  Draining,
  Done,
}

const FILE_CHUNK = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export const runExchange = (request: ExchangeRequest): Promise<ExchangeResult> =>
  new Promise((resolve) => new Exchange(request, resolve).start());

class Exchange implements RecordSink, DocumentSource, DocumentEvents {
  private stage = Stage.Answering;
  private readonly document: CgiDocumentReader;
  private requestId = 0;
  private stdinDone = false;
  private received = false;
  private retry = false;
  private timer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private sentAt = 0;
  private noted = false;
  private stderrLines: StderrLog | null = null;
  private readonly onSocketDrain = (): void => this.request.input.kind === 'stream' ? this.request.input.body.resume() : undefined;

  constructor(
    private readonly request: ExchangeRequest,
    private readonly resolve: (result: ExchangeResult) => void,
  ) {
    // The exchange is the document's source (the application's socket) and hears its events itself: no closures per request.
    this.document = new CgiDocumentReader(request.res, request.options.maxHeaderBytes, this, this);
  }

  // ---- the document's source and events (cgi-document.ts) ----

  pause(): void {
    this.request.connection.socket.pause();
  }

  resume(): void {
    this.request.connection.socket.resume();
  }

  badHead(err: CgiError): void {
    this.request.log('bad header block from the FastCGI application', { code: 'ERR_FCGI_BAD_HEADERS', reason: err.message });
    this.fail('ERR_FCGI_BAD_HEADERS', 'The application sent an invalid answer');
  }

  writeFailed(err: unknown): void {
    // More than the Content-Length the application declared: the engine cut the connection.
    this.request.log('response failed', { cause: err });
    this.abandon();
  }

  drained(): void {
    this.timer?.refresh();
  }

  start(): void {
    const { connection, params, input, res } = this.request;
    const id = (this.requestId = connection.begin(this));
    let head = requestHead(id, params, input.kind === 'none');
    if (input.kind === 'buffer') head = Buffer.concat([head, ...streamRecords(RecordType.Stdin, id, input.buffer), ...streamRecords(RecordType.Stdin, id, EMPTY)]);
    this.stdinDone = input.kind === 'none' || input.kind === 'buffer';
    this.sentAt = performance.now();
    connection.socket.write(head);
    if (this.request.options.readTimeoutMs > 0) this.timer = setTimeout(() => this.onTimeout(), this.request.options.readTimeoutMs);
    // The client leaving closes the exchange with an error; a call after finish() finds the stage Done.
    res.onClose((err) => (err === undefined ? undefined : this.clientGone()));
    if (input.kind === 'stream') this.feedStream(input.body);
    else if (input.kind === 'file') void this.feedFile(input.file, input.length);
  }

  // ---- the request body ----

  private feedStream(body: BodyStream): void {
    const socket = this.request.connection.socket;
    socket.on('drain', this.onSocketDrain);
    body.flow({
      data: (chunk) => {
        if (this.stage !== Stage.Answering || this.request.connection.dead) return true;
        this.timer?.refresh();
        return socket.write(Buffer.concat(streamRecords(RecordType.Stdin, this.requestId, chunk)));
      },
      end: (err) => {
        if (this.stage !== Stage.Answering || this.request.connection.dead) return;
        if (err !== undefined) return this.bodyFailed(err);
        socket.write(Buffer.concat(streamRecords(RecordType.Stdin, this.requestId, EMPTY)));
        this.stdinDone = true;
      },
    });
  }

  private async feedFile(file: FileHandle, length: number): Promise<void> {
    const socket = this.request.connection.socket;
    try {
      for (let at = 0; at < length; ) {
        if (this.stage !== Stage.Answering || this.request.connection.dead) return;
        const buffer = Buffer.allocUnsafe(Math.min(FILE_CHUNK, length - at));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) throw new Error('The spooled request body is shorter than recorded');
        at += bytesRead;
        this.timer?.refresh();
        if (!socket.write(Buffer.concat(streamRecords(RecordType.Stdin, this.requestId, buffer.subarray(0, bytesRead))))) {
          await new Promise<void>((r) => {
            socket.once('drain', r);
            socket.once('close', r);
          });
        }
      }
      if (this.stage !== Stage.Answering || this.request.connection.dead) return;
      socket.write(Buffer.concat(streamRecords(RecordType.Stdin, this.requestId, EMPTY)));
      this.stdinDone = true;
    } catch (err) {
      this.bodyFailed(err as Error);
    }
  }

  private bodyFailed(err: Error): void {
    this.noteUpstream();
    const status = (err as { status?: unknown }).status;
    if (!this.request.res.aborted) {
      this.request.log('request body failed', { cause: err });
      sendError(this.request.env, this.request.res, typeof status === 'number' && status >= 400 ? status : 400, 'The request body could not be read');
    }
    // The application waits for the rest of STDIN: the connection cannot be reused.
    this.finish(false);
  }

  // ---- records ----

  record(event: RecordEvent): void {
    this.received = true;
    this.timer?.refresh();
    switch (event.type) {
      case 'stdout':
        return this.onStdout(event.data);
      case 'stderr':
        return this.stderrLog().push(event.data);
      case 'end-request':
        return this.onEndRequest(event.protocolStatus);
      default:
        return;
    }
  }

  closed(err: Error): void {
    if (this.stage === Stage.Done) return;
    if (this.stage === Stage.Draining) return this.finish(false);
    if (!this.received && this.request.retryable && !this.request.res.headersSent) {
      // php-fpm closes a kept connection when its child is recycled (pm.max_requests): a race, not a failure.
      this.retry = true;
      return this.finish(false);
    }
    this.request.log('FastCGI connection closed before the end of the answer', { code: 'ERR_FCGI_CLOSED', reason: err.message });
    this.fail('ERR_FCGI_CLOSED', 'The application closed the connection before it answered');
  }

  private onStdout(chunk: Buffer): void {
    if (this.stage === Stage.Answering) this.document.push(chunk);
  }

  private onEndRequest(protocolStatus: number): void {
    this.noteUpstream();
    const { res } = this.request;
    const phase = this.document.phase;
    if (protocolStatus !== ProtocolStatus.RequestComplete && phase === DocumentPhase.Head) {
      const overloaded = protocolStatus === ProtocolStatus.Overloaded;
      this.request.log('the FastCGI application refused the request', { code: overloaded ? 'ERR_FCGI_OVERLOADED' : 'ERR_FCGI_PROTOCOL', protocolStatus });
      sendError(this.request.env, res, overloaded ? 503 : 502, 'The application refused the request', overloaded ? 'ERR_FCGI_OVERLOADED' : 'ERR_FCGI_PROTOCOL');
    } else if (phase === DocumentPhase.Head) {
      this.request.log('the FastCGI application ended without a complete header block', {
        code: 'ERR_FCGI_NO_HEADERS',
        reason: this.document.headStarted ? 'incomplete header block' : 'no output',
      });
      sendError(this.request.env, res, 502, 'The application sent no answer', 'ERR_FCGI_NO_HEADERS');
    } else {
      const err = this.document.end();
      if (err !== null) this.request.log('response failed', { cause: err });
    }
    this.stderrLines?.end();
    // php-fpm answered before it took all of STDIN: what is left would be read as the next request.
    this.finish(this.stdinDone, this.document.redirect);
  }

  private stderrLog(): StderrLog {
    const { logger, mount, script } = this.request.stderr;
    return (this.stderrLines ??= new StderrLog(logger, { mount, script }));
  }

  // ---- failures and the end ----

  private fail(code: FastCgiErrorCode, message: string): void {
    this.noteUpstream();
    const res = this.request.res;
    const err = new FastCgiError(code, message);
    if (res.headersSent) res.abort(err);
    else sendError(this.request.env, res, err.status, message, code);
    this.finish(false);
  }

  private onTimeout(): void {
    if (this.document.paused) {
      // Waiting for the client, not for the application: the engine's send timeout covers that.
      this.timer!.refresh();
      return;
    }
    const timeoutMs = this.request.options.readTimeoutMs;
    this.request.log('the FastCGI application timed out', { code: 'ERR_FCGI_TIMEOUT', timeoutMs });
    this.fail('ERR_FCGI_TIMEOUT', `The application did not answer within ${timeoutMs} ms`);
  }

  /** The client left (its connection closed with an error, or a write found it gone). */
  clientGone(): void {
    if (this.stage !== Stage.Answering) return;
    this.noteUpstream();
    this.abandon();
  }

  /** Stops answering: FCGI_ABORT_REQUEST, then the rest of the answer is drained until END_REQUEST or the grace period ends. */
  private abandon(): void {
    this.stage = Stage.Draining;
    if (this.timer !== null) clearTimeout(this.timer);
    const { connection } = this.request;
    if (!this.stdinDone || connection.dead) return this.finish(false);
    connection.socket.write(abortRequest(this.requestId));
    this.document.stop();
    this.graceTimer = setTimeout(() => this.finish(false), this.request.options.abortGraceMs);
  }

  /**
   * For the access log, before the response ends (and is logged): the time
   * since the request was sent, as nginx's fastcgi module reports it. The
   * exchanges of one request (a local redirect, a retry on a new connection)
   * add up.
   */
  private noteUpstream(): void {
    if (this.noted) return;
    this.noted = true;
    const facts = this.request.env.extensions['portico.exchange'];
    if (facts === undefined) return;
    facts.upstreamResponseMs = (facts.upstreamResponseMs ?? 0) + performance.now() - this.sentAt;
    facts.upstreamAddress = this.request.address;
  }

  /** The end of the exchange; `location` is a local redirect the answer asked for. */
  private finish(reusable: boolean, location: string | null = null): void {
    if (this.stage === Stage.Done) return;
    this.stage = Stage.Done;
    this.noteUpstream();
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    const { connection } = this.request;
    connection.socket.off('drain', this.onSocketDrain);
    this.document.stop();
    this.stderrLines?.end();
    this.resolve({ location, reusable, retry: this.retry });
  }
}
