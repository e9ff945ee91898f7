// One run of a CGI program, from spawn to the last byte. stdout is read from
// the start into the CGI document reader (cgi-document.ts, shared with the
// FastCGI adapter): the header block, then the body straight to the client as
// it arrives, the pipe paused whenever the client is behind, so memory stays
// bounded whatever the program prints. stderr goes to the log, stdin is
// fed concurrently (stdin-feed.ts). The run ends when stdout is closed and the
// leader has exited; then whatever is left in its process group is killed.
// Silence longer than `timeoutMs` (not counting time spent waiting for a slow
// client) and a client leaving stop the group (SIGTERM, then SIGKILL). Failures
// before the head went out are answered here (502, 504); after it, the
// connection is cut so the client sees a truncated response.

import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { BodyStream } from '../env.js';
import type { Env, Responder } from '../env.js';
import { CgiError } from './cgi-error.js';
import { sendError } from './error-response.js';
import { CgiDocumentReader, DocumentPhase } from './cgi-document.js';
import { passRaw } from './nph.js';
import { type Program, type StdinSpec, signalGroup, spawnProgram, terminateGroup } from './process-group.js';
import type { ResolvedOptions } from './options.js';
import type { Spool } from './body-spool.js';
import { feedBuffer, feedStream } from './stdin-feed.js';
import { StderrLog } from './stderr-log.js';

export type ProgramInput = { kind: 'none' } | { kind: 'stream'; body: BodyStream } | { kind: 'spool'; spool: Spool };

export interface RunRequest {
  /** The request, for the error pages. */
  env: Env;
  res: Responder;
  filename: string;
  cwd: string;
  vars: Record<string, string>;
  input: ProgramInput;
  /** Output is a whole HTTP response (an nph- program). */
  nph: boolean;
  /** For log lines. */
  mount: string;
  script: string;
  options: ResolvedOptions;
}

/** Runs the program; resolves with the path of a local redirect to follow, or null. Never rejects. */
export const runProgram = (request: RunRequest): Promise<string | null> =>
  new Promise((resolve) => new ProgramRun(request, resolve).start());

class ProgramRun {
  private program: Program | null = null;
  private pgid = 0;
  private readonly document: CgiDocumentReader;
  /** nph-: stdout is piped to the detached socket, not read as a document. */
  private raw = false;
  private timer: NodeJS.Timeout | null = null;
  private exited = false;
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private stdoutEnded = false;
  private stdoutClosed = false;
  private completed = false;
  private stopped = false;
  private killing = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private socket: Socket | null = null;

  constructor(
    private readonly request: RunRequest,
    private readonly resolve: (location: string | null) => void,
  ) {
    this.document = new CgiDocumentReader(
      request.res,
      request.options.maxHeaderBytes,
      { pause: () => this.program!.stdout.pause(), resume: () => this.program!.stdout.resume() },
      {
        badHead: (err) => this.failHead(err),
        writeFailed: (err) => {
          // The program printed more than its Content-Length: the engine cut the connection.
          this.log('response failed', { cause: err });
          this.stop();
        },
        clientGone: () => this.stop(),
        drained: () => this.timer?.refresh(),
      },
    );
  }

  start(): void {
    const { request } = this;
    const input = request.input;
    const file = input.kind === 'spool' ? input.spool.file : null;
    const stdin: StdinSpec = input.kind === 'none' ? 'ignore' : file !== null ? file.fd : 'pipe';
    let program: Program;
    try {
      program = spawnProgram(request.filename, request.cwd, request.vars, stdin);
    } catch (err) {
      this.spawnFailed(err as Error);
      return;
    } finally {
      // The child holds its own copy of the spool file's descriptor.
      if (input.kind === 'spool' && file !== null) {
        input.spool.file = null;
        file.close().catch(() => {});
      }
    }
    this.program = program;
    program.on('error', (err) => {
      if (program.pid === undefined) this.spawnFailed(err);
    });
    if (program.pid === undefined) return; // 'error' follows
    this.pgid = program.pid;
    program.on('exit', (code, signal) => this.onExit(code, signal));
    const stdout = program.stdout;
    stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    stdout.on('end', () => this.onStdoutEnd());
    stdout.on('error', () => {});
    stdout.on('close', () => {
      this.stdoutClosed = true;
      this.maybeComplete();
    });
    const log = new StderrLog(request.options.logger, { mount: request.mount, script: request.script });
    program.stderr.on('data', (chunk: Buffer) => log.push(chunk));
    program.stderr.on('end', () => log.end());
    program.stderr.on('error', () => {});
    if (input.kind === 'stream') {
      feedStream(input.body, program.stdin!, () => this.timer?.refresh(), (err) => this.bodyFailed(err));
    } else if (input.kind === 'spool' && input.spool.buffer !== null) {
      feedBuffer(input.spool.buffer, program.stdin!);
    }
    request.res.onClose((err) => {
      if (err !== undefined) this.clientGone();
    });
    if (request.options.timeoutMs > 0) this.timer = setTimeout(() => this.onTimeout(), request.options.timeoutMs);
  }

  // ---- stdout ----

  private onStdout(chunk: Buffer): void {
    this.timer?.refresh();
    if (this.request.nph && !this.raw && this.document.phase === DocumentPhase.Head) {
      this.raw = true;
      this.socket = passRaw(this.request.res, chunk, this.program!.stdout, () => this.clientGone());
      return;
    }
    if (!this.raw) this.document.push(chunk);
  }

  private onStdoutEnd(): void {
    this.stdoutEnded = true;
    if (this.raw) return;
    const err = this.document.end();
    if (err !== null) this.log('response failed', { cause: err });
  }

  // ---- lifetime ----

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    this.exitCode = code;
    this.exitSignal = signal;
    if (!this.stdoutClosed) {
      // The leader is gone but something it started may still hold stdout: give it the grace period.
      this.lingerTimer = setTimeout(() => signalGroup(this.pgid, 'SIGKILL'), this.request.options.killGraceMs);
    }
    this.maybeComplete();
  }

  private maybeComplete(): void {
    if (this.completed || !this.exited || !this.stdoutClosed) return;
    this.completed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    // Whatever the program left running in its group has outlived the request.
    signalGroup(this.pgid, 'SIGKILL');
    const phase = this.raw ? DocumentPhase.Done : this.document.phase;
    if (phase === DocumentPhase.Head && !this.stopped) {
      // RFC 3875 §6.1: a response needs at least one header field; none (or a partial block) is the program's fault.
      this.log('program failed', {
        code: 'ERR_CGI_NO_HEADERS',
        reason: this.document.headStarted ? 'incomplete header block' : 'no output',
        exitCode: this.exitCode,
        signal: this.exitSignal,
      });
      sendError(this.request.env, this.request.res, 502, 'ERR_CGI_NO_HEADERS');
    } else if (this.exitCode !== 0 && !this.stopped) {
      this.log('program exited with an error', { exitCode: this.exitCode, signal: this.exitSignal });
    }
    if (phase === DocumentPhase.Body) this.request.res.abort(); // stdout closed without a clean end
    this.resolve(this.stopped ? null : this.document.redirect);
  }

  /** A malformed head: 502 now, and the program is stopped. */
  private failHead(err: CgiError): void {
    this.log('program failed', { code: err.code, reason: err.message });
    this.stopped = true;
    sendError(this.request.env, this.request.res, 502, err.code);
    this.stop();
  }

  private onTimeout(): void {
    if (this.document.paused || this.socket?.writableNeedDrain) {
      // Waiting for the client, not for the program: the engine's send timeout covers that.
      this.timer!.refresh();
      return;
    }
    this.log('program timed out', { code: 'ERR_CGI_TIMEOUT', timeoutMs: this.request.options.timeoutMs });
    const res = this.request.res;
    if (this.raw) this.socket!.destroy();
    else if (this.document.phase === DocumentPhase.Body) res.abort(new CgiError('ERR_CGI_TIMEOUT', 'CGI program timed out'));
    else sendError(this.request.env, res, 504, 'ERR_CGI_TIMEOUT');
    this.stop();
  }

  private clientGone(): void {
    // An nph- socket closing after the program's last byte is the normal end.
    if (this.completed || (this.raw && this.stdoutEnded)) return;
    this.stop();
  }

  private bodyFailed(err: Error): void {
    const res = this.request.res;
    // The response went out before the program took all its input: the engine drops the rest; nothing failed.
    if (res.ended && !res.aborted) return;
    this.log('request body failed', { cause: err });
    const status = (err as { status?: unknown }).status;
    sendError(this.request.env, res, typeof status === 'number' && status >= 400 ? status : 400);
    this.stop();
  }

  /** Stops the process group and drops whatever it still prints. */
  private stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (!this.completed && !this.killing) {
      this.killing = true;
      terminateGroup(this.pgid, this.request.options.killGraceMs);
    }
    this.document.stop();
  }

  private spawnFailed(err: Error): void {
    if (this.completed) return;
    this.completed = true;
    this.log('cannot start program', { code: 'ERR_CGI_SPAWN', cause: err });
    sendError(this.request.env, this.request.res, 502, 'ERR_CGI_SPAWN');
    this.resolve(null);
  }

  private log(message: string, fields: Record<string, unknown>): void {
    this.request.options.logger.error(message, { mount: this.request.mount, script: this.request.script, ...fields });
  }
}
