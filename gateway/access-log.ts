// The access log: one line per finished exchange, in the Combined Log Format
// that Apache and nginx write (so existing log tools read it) with the request
// duration appended, as JSON lines, or from an nginx log_format template
// (log-format.ts). The request handler hands an entry over
// when a response closes (ServeOptions.accessLog); this module only formats and
// writes. Lines are batched and written once per event loop turn, so a busy
// server makes one write() per turn instead of one per request; close() flushes,
// reopen() starts a new file after logrotate moved the old one (nginx's SIGUSR1).

import fs from 'node:fs';
import { compileLogFormat } from './log-format.js';

/** What the server reports about one exchange. */
export interface AccessLogEntry {
  /** When the request head had arrived, ms since the epoch. */
  time: number;
  remoteAddress: string;
  /** "-" when the request was too malformed to have one. */
  method: string;
  target: string;
  protocol: string;
  /** The status sent; 499 when the client left before the response started (nginx's convention). */
  status: number;
  /** Bytes written to the connection for this response, head included (Apache's %O, nginx's $bytes_sent). */
  bytes: number;
  /** From the request head's arrival to the response's end, in milliseconds. */
  durationMs: number;
  referer: string | undefined;
  userAgent: string | undefined;
  host: string | undefined;
  /** The mount prefix that served it ("" at the root); undefined when no mount matched. */
  mount?: string;
  remotePort?: number;
  /** Request fields (lower-cased names), for $http_<name>. */
  headers?: Readonly<Record<string, string>>;
  /** Bytes of the body sent, chunk framing included ($body_bytes_sent); `bytes` less the head. */
  bodyBytes?: number;
  /** What the serving adapter noted (the proxy's upstream time and address). */
  upstreamResponseMs?: number;
  upstreamAddress?: string;
}

/** A format name, or an nginx log_format template ("$remote_addr $status ...", gateway/log-format.ts). */
export type AccessLogFormat = 'combined' | 'json' | (string & {});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

/** Apache's %t: [10/Oct/2000:13:55:36 -0700], local time. */
export const clfTime = (ms: number): string => {
  const d = new Date(ms);
  const off = 0 - d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `[${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}]`;
};

// Apache escapes '"', '\' and non-printable bytes inside quoted fields so a
// request cannot forge a log line (a CR/LF in a target would start a new one).
const UNSAFE = /["\\\x00-\x1f\x7f-\uffff]/;
const quoteField = (value: string | undefined): string => {
  if (value === undefined || value === '') return '"-"';
  if (!UNSAFE.test(value)) return '"' + value + '"';
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return '"' + out + '"';
};

/** `host - - [time] "GET / HTTP/1.1" 200 1234 "referer" "agent" 1.234` (the last field: duration in ms). */
export const formatCombined = (e: AccessLogEntry): string =>
  `${e.remoteAddress || '-'} - - ${clfTime(e.time)} ${quoteField(e.method === '-' ? '-' : `${e.method} ${e.target} ${e.protocol}`)} ${e.status} ${e.bytes === 0 ? '-' : e.bytes} ${quoteField(e.referer)} ${quoteField(e.userAgent)} ${e.durationMs.toFixed(3)}\n`;

export const formatJson = (e: AccessLogEntry): string =>
  JSON.stringify({
    time: new Date(e.time).toISOString(),
    remoteAddress: e.remoteAddress,
    method: e.method,
    target: e.target,
    protocol: e.protocol,
    status: e.status,
    bytes: e.bytes,
    durationMs: Math.round(e.durationMs * 1000) / 1000,
    referer: e.referer ?? null,
    userAgent: e.userAgent ?? null,
    host: e.host ?? null,
  }) + '\n';

export interface AccessLog {
  write(entry: AccessLogEntry): void;
  /** Flushes what is batched. */
  flush(): void;
  /** Closes the file and opens it again (after log rotation). */
  reopen(): void;
  /** Flushes and closes the file (stdout stays open). */
  close(): Promise<void>;
}

/** An access log writing to `destination`: a file path (appended to) or "-" for stdout. */
export const createAccessLog = (destination: string, format: AccessLogFormat = 'combined'): AccessLog => {
  const toStdout = destination === '-';
  const format1 = format === 'json' ? formatJson : format === 'combined' ? formatCombined : compileLogFormat(format);
  // Opened synchronously so a bad path is reported at startup, not on the first request.
  let fd = toStdout ? -1 : fs.openSync(destination, 'a');
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    if (toStdout) process.stdout.write(text);
    else if (fd >= 0) fs.writeSync(fd, text);
  };
  return {
    write(entry) {
      pending += format1(entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    reopen() {
      flush();
      if (toStdout) return;
      fs.closeSync(fd);
      fd = fs.openSync(destination, 'a');
    },
    async close() {
      flush();
      if (toStdout) {
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
        return;
      }
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    },
  };
};
