// Custom access-log lines from nginx `log_format` variables: a template such as
// '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time'
// is compiled once, at startup, into a list of literal parts and field readers,
// so writing a line is a few string concatenations. An unknown variable is a
// startup error (as nginx's "unknown variable"), never a silent "-". Values are
// escaped as nginx's default `escape=default` does: '"', '\' and bytes outside
// printable ASCII become \xXX, so a request cannot forge a log line. An empty or
// missing value is written as "-".

import type { AccessLogEntry } from './access-log.js';
import { ConfigError } from './config-error.js';
import { didYouMean } from '../adapters/did-you-mean.js';

type Reader = (e: AccessLogEntry) => string | number | undefined;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const offset = (d: Date, colon: boolean): string => {
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return (off < 0 ? '-' : '+') + pad(Math.floor(abs / 60)) + (colon ? ':' : '') + pad(abs % 60);
};

/** nginx's $time_local: 02/Dec/2026:07:57:01 +0000 (local time). */
export const timeLocal = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${offset(d, false)}`;
};

/** nginx's $time_iso8601: 2026-12-02T07:57:01+00:00 (local time). */
export const timeIso8601 = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${offset(d, true)}`;
};

/** Seconds with millisecond resolution, as nginx writes times ("0.012"). */
const seconds = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : (ms / 1000).toFixed(3));

const query = (target: string): string => {
  const q = target.indexOf('?');
  return q === -1 ? '' : target.slice(q + 1);
};

const hostOf = (e: AccessLogEntry): string | undefined => {
  const h = e.host;
  if (h === undefined) return undefined;
  const close = h.lastIndexOf(']');
  const colon = h.lastIndexOf(':');
  return (colon > close ? h.slice(0, colon) : h).toLowerCase();
};

/** Every variable a template may use, besides $http_<name>. */
export const LOG_VARIABLES: Readonly<Record<string, Reader>> = {
  remote_addr: (e) => e.remoteAddress,
  remote_port: (e) => e.remotePort,
  remote_user: () => undefined,
  time_local: (e) => timeLocal(e.time),
  time_iso8601: (e) => timeIso8601(e.time),
  msec: (e) => (e.time / 1000).toFixed(3),
  request: (e) => (e.method === '-' ? undefined : `${e.method} ${e.target} ${e.protocol}`),
  request_method: (e) => (e.method === '-' ? undefined : e.method),
  request_uri: (e) => (e.method === '-' ? undefined : e.target),
  uri: (e) => (e.method === '-' ? undefined : e.target.split('?', 1)[0]),
  args: (e) => query(e.target),
  query_string: (e) => query(e.target),
  server_protocol: (e) => (e.protocol === '-' ? undefined : e.protocol),
  status: (e) => e.status,
  bytes_sent: (e) => e.bytes,
  body_bytes_sent: (e) => e.bodyBytes ?? e.bytes,
  request_time: (e) => seconds(e.durationMs),
  host: hostOf,
  upstream_response_time: (e) => seconds(e.upstreamResponseMs),
  upstream_addr: (e) => e.upstreamAddress,
  // Portico's own: the mount prefix that served the request ("/" for the root mount).
  portico_mount: (e) => (e.mount === undefined ? undefined : e.mount || '/'),
};

const escape = (value: string): string => {
  if (!/["\\\x00-\x1f\x7f-\uffff]/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte === 0x22 || byte === 0x5c || byte < 0x20 || byte > 0x7e ? '\\x' + byte.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(byte);
  }
  return out;
};

const readerFor = (name: string): Reader | undefined => {
  const known = LOG_VARIABLES[name];
  if (known !== undefined) return known;
  // $http_user_agent reads User-Agent: lower-case, dashes as underscores (nginx's rule).
  if (name.startsWith('http_') && name.length > 5) {
    const field = name.slice(5).replace(/_/g, '-');
    return (e) => e.headers?.[field];
  }
  return undefined;
};

/** True when a --log-format value is a template rather than a format name. */
export const isLogTemplate = (format: string): boolean => format.includes('$');

/** Compiles `template` into a line formatter (with the newline); throws a ConfigError naming an unknown variable. */
export const compileLogFormat = (template: string, label = '--log-format'): ((e: AccessLogEntry) => string) => {
  const literals: string[] = [];
  const readers: Reader[] = [];
  const pattern = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;
  let last = 0;
  for (let m = pattern.exec(template); m !== null; m = pattern.exec(template)) {
    const name = (m[1] ?? m[2])!;
    const reader = readerFor(name);
    if (reader === undefined) {
      const known = Object.keys(LOG_VARIABLES).map((k) => '$' + k);
      const hint = didYouMean('$' + name, known);
      throw new ConfigError(`${label}: unknown variable "$${name}"${hint || ` (known: ${known.join(', ')}, $http_<name>)`}`);
    }
    literals.push(template.slice(last, m.index));
    readers.push(reader);
    last = m.index + m[0].length;
  }
  if (readers.length === 0) throw new ConfigError(`${label}: a template needs at least one $variable, got ${JSON.stringify(template)}`);
  const tail = template.slice(last) + '\n';
  return (e) => {
    let line = '';
    for (let i = 0; i < readers.length; i++) {
      const v = readers[i]!(e);
      line += literals[i]! + (v === undefined || v === '' ? '-' : typeof v === 'number' ? String(v) : escape(v));
    }
    return line + tail;
  };
};
