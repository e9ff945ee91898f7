// Reading a CGI document (RFC 3875 §6) as it arrives, for both adapters that
// get one: the CGI adapter feeds it a program's stdout, the FastCGI adapter its
// FCGI_STDOUT records. The header block goes through CgiHeaderParser and
// interpretHead; then the response head is written and the body streamed. A
// lone local Location is held (§6.2.2) until the output ends, because a body
// after it makes it a client redirect after all (§6.2.4). When the client is
// behind (Responder.write() false), the source (the pipe, the socket) is paused
// until the client drains, so memory stays bounded. Failures are reported to
// the owner, who knows what to stop and what to log; the reader only stops
// writing.

import type { Responder } from '../env.js';
import { CgiError } from './cgi-error.js';
import { interpretHead } from './cgi-response.js';
import { CgiHeaderParser } from './header-parser.js';

export const enum DocumentPhase {
  /** Reading the header block. */
  Head,
  /** A lone local Location was read; it holds if no body follows. */
  RedirectPending,
  /** Streaming the body to the client. */
  Body,
  /** Nothing more goes to the client: the body ended, or the owner stopped it. */
  Done,
}

/** Where the output comes from: paused while the client is behind. */
export interface DocumentSource {
  pause(): void;
  resume(): void;
}

export interface DocumentEvents {
  /** The header block is invalid, or the engine refused it: nothing was sent. */
  badHead(err: CgiError): void;
  /** A body write threw (more than the declared Content-Length): the engine cut the connection. */
  writeFailed(err: unknown): void;
  /** The client left while the body was being written. */
  clientGone(): void;
  /** The client caught up after a pause (the owner's silence timer starts again). */
  drained(): void;
}

export class CgiDocumentReader {
  private current = DocumentPhase.Head;
  private readonly parser: CgiHeaderParser;
  private location: string | null = null;
  private waiting = false;

  constructor(
    private readonly res: Responder,
    maxHeaderBytes: number,
    private readonly source: DocumentSource,
    private readonly events: DocumentEvents,
  ) {
    this.parser = new CgiHeaderParser(maxHeaderBytes);
  }

  get phase(): DocumentPhase {
    return this.current;
  }

  /** The source is paused, waiting for the client (not for the program). */
  get paused(): boolean {
    return this.waiting;
  }

  /** Some of a header block arrived (for telling "no output" from "an incomplete head"). */
  get headStarted(): boolean {
    return this.parser.started;
  }

  /** The local redirect to follow, when the output was a lone local Location. */
  get redirect(): string | null {
    return this.current === DocumentPhase.RedirectPending ? this.location : null;
  }

  push(chunk: Buffer): void {
    switch (this.current) {
      case DocumentPhase.Head:
        return this.head(chunk);
      case DocumentPhase.RedirectPending:
        this.start(302, undefined, [['Location', this.location!]]);
        this.location = null;
        return this.write(chunk);
      case DocumentPhase.Body:
        return this.write(chunk);
      default:
        return;
    }
  }

  /**
   * The output ended cleanly: a body being written is ended (Head and
   * RedirectPending stay for the owner to read). Returns the error when the
   * body was shorter than its declared Content-Length (the engine cut the
   * connection), else null.
   */
  end(): Error | null {
    if (this.current !== DocumentPhase.Body) return null;
    this.current = DocumentPhase.Done;
    try {
      this.res.end();
      return null;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Nothing more goes to the client; a paused source is resumed so what still comes is drained and dropped. */
  stop(): void {
    this.current = DocumentPhase.Done;
    if (this.waiting) {
      this.waiting = false;
      this.source.resume();
    }
  }

  private head(chunk: Buffer): void {
    let answer;
    let rest: Buffer;
    try {
      const head = this.parser.push(chunk);
      if (head === null) return;
      rest = head.rest;
      answer = interpretHead(head.fields);
    } catch (err) {
      return this.fail(err instanceof CgiError ? err : new CgiError('ERR_CGI_BAD_HEADERS', String(err)));
    }
    if (answer.kind === 'local-redirect') {
      if (rest.length === 0) {
        this.current = DocumentPhase.RedirectPending;
        this.location = answer.location;
        return;
      }
      this.start(302, undefined, [['Location', answer.location]]);
    } else {
      this.start(answer.status, answer.reason, answer.headers);
    }
    if (rest.length > 0) this.write(rest);
  }

  private start(status: number, reason: string | undefined, headers: Array<[string, string]>): void {
    try {
      this.res.writeHead(status, headers, reason === undefined ? undefined : { reason });
    } catch (err) {
      return this.fail(new CgiError('ERR_CGI_BAD_HEADERS', (err as Error).message));
    }
    this.current = DocumentPhase.Body;
  }

  private write(chunk: Buffer): void {
    if (this.current !== DocumentPhase.Body) return;
    const res = this.res;
    let ok: boolean;
    try {
      ok = res.write(chunk);
    } catch (err) {
      this.current = DocumentPhase.Done;
      return this.events.writeFailed(err);
    }
    if (ok || this.waiting) return;
    if (res.aborted) return this.events.clientGone();
    this.waiting = true;
    this.source.pause();
    res.onDrain(() => this.drain());
  }

  private drain(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.events.drained();
    this.source.resume();
  }

  private fail(err: CgiError): void {
    this.current = DocumentPhase.Done;
    this.events.badHead(err);
  }
}
