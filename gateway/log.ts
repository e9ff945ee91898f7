// The error log. Portico reports app failures with the mount that failed and the
// cause; users plug in their own sink (or silence it in tests).

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  error(message, fields) {
    const extra = fields ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ') : '';
    process.stderr.write(`[portico] ${new Date().toISOString()} error: ${message}${extra}\n`);
  },
};

const formatValue = (v: unknown): string => {
  if (v instanceof Error) return JSON.stringify(v.stack ?? v.message);
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
};

export const silentLogger: Logger = { error() {} };
