// The error log of CGI programs. A program's stderr is cut into lines and each
// line is logged with the script that wrote it (Apache's "AH01215: ...: script"
// lines), so interleaved programs stay readable. Lines are bounded: a program
// printing megabytes without a newline is logged in pieces, never buffered.
// The gateway's logger is not reachable from adapters, so cgiApp takes its own
// (same shape) and defaults to one that writes to the console.

export interface CgiLogger {
  error(message: string, fields?: Record<string, unknown>): void;
}

const formatValue = (v: unknown): string => {
  if (v instanceof Error) return JSON.stringify(v.stack ?? v.message);
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
};

export const consoleLogger: CgiLogger = {
  error(message, fields) {
    const extra = fields ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ') : '';
    console.error(`[portico] ${new Date().toISOString()} cgi: ${message}${extra}`);
  },
};

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
