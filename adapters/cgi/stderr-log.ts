// The error log of CGI programs. A program's stderr is cut into lines and each
// line is logged with the script that wrote it (Apache's "AH01215: ...: script"
// lines), so interleaved programs stay readable. Lines are bounded: a program
// printing megabytes without a newline is logged in pieces, never buffered.
// cgiApp takes a logger of the shared shape (adapters/log.ts) and defaults to
// one that writes to the console.

import { consoleLoggerFor, type Logger } from '../log.js';

/** The error log's shape (adapters/log.ts). */
export type CgiLogger = Logger;

export const consoleLogger: CgiLogger = consoleLoggerFor('cgi');

const LF = 0x0a;
const MAX_LINE = 8 * 1024;

/** Splits a stderr stream into lines and logs each, tagged with the script. */
export class StderrLog {
  private partial: Buffer | null = null;

  constructor(
    private readonly logger: CgiLogger,
    private readonly fields: { mount: string; script: string },
  ) {}

  push(chunk: Buffer): void {
    let data = this.partial === null ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = null;
    let start = 0;
    for (let lf = data.indexOf(LF); lf !== -1; lf = data.indexOf(LF, start)) {
      this.line(data.subarray(start, lf));
      start = lf + 1;
    }
    data = data.subarray(start);
    while (data.length > MAX_LINE) {
      this.line(data.subarray(0, MAX_LINE));
      data = data.subarray(MAX_LINE);
    }
    if (data.length > 0) this.partial = Buffer.from(data);
  }

  end(): void {
    if (this.partial !== null) this.line(this.partial);
    this.partial = null;
  }

  private line(bytes: Buffer): void {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    this.logger.error('stderr', { ...this.fields, line: bytes.toString('utf8', 0, end) });
  }
}
