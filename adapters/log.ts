// The error log's shape, shared by the gateway and the adapters that log on their
// own (cgi, proxy): adapters cannot import the gateway, so the logger lives here.
// Users plug in their own sink (or silence it in tests); the default writes each
// event to stderr, tagged with who wrote it, in one of two formats chosen for
// the whole process (stderr is the process's; the CLI's --error-log-format):
//   text: one greppable line of key=value fields, then each error's stack as
//         indented lines below it (and its `cause` chain), as a person reads it;
//   json: one object per line, errors as { name, message, code, stack: [lines] },
//         and the first error's code lifted to the top, for log shippers.

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
}

export type ErrorLogFormat = 'text' | 'json';

let consoleFormat: ErrorLogFormat = 'text';

/** How the console loggers write from now on (the CLI sets it from --error-log-format). */
export const setConsoleLogFormat = (format: ErrorLogFormat): void => {
  consoleFormat = format;
};

/** Causes followed at most this deep (a cycle of causes ends there too). */
const MAX_CAUSES = 5;

const errorSummary = (e: Error): string => {
  const code = (e as { code?: unknown }).code;
  return `${e.name}${typeof code === 'string' && !e.name.includes(code) ? ` [${code}]` : ''}: ${e.message}`;
};

const formatValue = (v: unknown): string => {
  if (v instanceof Error) return JSON.stringify(errorSummary(v));
  if (typeof v === 'string') return JSON.stringify(v);
  if (v !== null && typeof v === 'object') return safeJson(v);
  return String(v);
};

/** `err`'s stack (its message when it has none) and its causes', each line indented under the log line. */
const stackLines = (err: Error): string[] => {
  const lines: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth <= MAX_CAUSES; depth++, e = e.cause) {
    const text = typeof e.stack === 'string' && e.stack !== '' ? e.stack : errorSummary(e);
    text.split('\n').forEach((line, i) => lines.push(`    ${depth > 0 && i === 0 ? 'Caused by: ' : ''}${line}`));
  }
  return lines;
};

export const formatTextLine = (tag: string, message: string, fields: Record<string, unknown> | undefined, time = new Date()): string => {
  const entries = Object.entries(fields ?? {});
  const extra = entries.map(([k, v]) => ` ${k}=${formatValue(v)}`).join('');
  const stacks = entries.flatMap(([, v]) => (v instanceof Error ? stackLines(v) : []));
  return [`[portico] ${time.toISOString()} ${tag}: ${message}${extra}`, ...stacks].join('\n') + '\n';
};

interface ErrorJson {
  name: string;
  message: string;
  code?: unknown;
  stack: string[];
  cause?: ErrorJson | unknown;
}

const errorJson = (e: Error, depth = 0): ErrorJson => {
  const out: ErrorJson = { name: e.name, message: e.message, stack: (e.stack ?? errorSummary(e)).split('\n') };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (e.cause !== undefined) out.cause = e.cause instanceof Error && depth < MAX_CAUSES ? errorJson(e.cause, depth + 1) : String(e.cause);
  return out;
};

const jsonReplacer = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? String(x) : x instanceof Error ? errorJson(x) : x);

/** JSON text that never throws: a value that cannot be JSON (a cycle) becomes its String(). */
const safeJson = (v: unknown): string => {
  try {
    return JSON.stringify(v, jsonReplacer) ?? JSON.stringify(String(v));
  } catch {
    return JSON.stringify(String(v));
  }
};

const RESERVED = new Set(['time', 'level', 'source', 'message']);

export const formatJsonLine = (tag: string, message: string, fields: Record<string, unknown> | undefined, time = new Date()): string => {
  const record: Record<string, unknown> = { time: time.toISOString(), level: 'error', source: tag, message };
  let lifted: unknown;
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (RESERVED.has(k)) continue; // the record's own keys stay what they say
    record[k] = v instanceof Error ? errorJson(v) : v;
    if (v instanceof Error) lifted ??= (v as { code?: unknown }).code;
  }
  if (record['code'] === undefined && lifted !== undefined) record['code'] = lifted;
  try {
    return JSON.stringify(record, jsonReplacer) + '\n';
  } catch {
    // A field that cannot be JSON (a cycle) is written as text; the others stay structured.
    for (const [k, v] of Object.entries(record)) record[k] = JSON.parse(safeJson(v)) as unknown;
    return JSON.stringify(record) + '\n';
  }
};

/** A logger writing to stderr in the process's format, tagged (`error`, `cgi`, `proxy`...). */
export const consoleLoggerFor = (tag: string): Logger => ({
  error(message, fields) {
    process.stderr.write(consoleFormat === 'json' ? formatJsonLine(tag, message, fields) : formatTextLine(tag, message, fields));
  },
});

export const silentLogger: Logger = { error() {} };
