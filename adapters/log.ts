// The error log's shape, shared by the gateway and the adapters that log on their
// own (cgi, proxy): adapters cannot import the gateway, so the logger lives here.
// Users plug in their own sink (or silence it in tests); the default writes one
// line per event to stderr, tagged with who wrote it.

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
}

const formatValue = (v: unknown): string => {
  if (v instanceof Error) return JSON.stringify(v.stack ?? v.message);
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
};

/** A logger writing `[portico] <time> <tag>: message key=value ...` lines to stderr. */
export const consoleLoggerFor = (tag: string): Logger => ({
  error(message, fields) {
    const extra = fields ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ') : '';
    process.stderr.write(`[portico] ${new Date().toISOString()} ${tag}: ${message}${extra}\n`);
  },
});

export const silentLogger: Logger = { error() {} };
