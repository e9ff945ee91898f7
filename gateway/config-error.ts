// The one error type of the CLI's configuration: its message is a single line
// that names the flag or config key at fault; the CLI prints it alone (no stack
// trace) and exits with status 2, the conventional status for usage errors. A
// syntax error also carries an excerpt, the offending line and a caret, which
// the CLI prints under it. It is a PorticoError (core/errors.ts), Portico's one
// error base, with no status: it never answers a request.

import { PorticoError } from '../core/index.js';

export class ConfigError extends PorticoError<'ERR_PORTICO_CONFIG'> {
  override readonly name = 'ConfigError';
  /** Lines of the file at fault (the offending line, a caret under it), or undefined. */
  readonly excerpt: string | undefined;
  constructor(message: string, options?: ErrorOptions & { excerpt?: string | undefined }) {
    super('ERR_PORTICO_CONFIG', message, options);
    this.excerpt = options?.excerpt;
  }
}

/** An error's first message line, for one-line reports. */
export const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
