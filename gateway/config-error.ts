// The one error type of the CLI's configuration: its message is a single line
// that names the flag or config key at fault; the CLI prints it alone (no stack
// trace) and exits with status 2, the conventional status for usage errors. It
// is a PorticoError (core/errors.ts), Portico's one error base, with no status:
// it never answers a request.

import { PorticoError } from '../core/index.js';

export class ConfigError extends PorticoError<'ERR_PORTICO_CONFIG'> {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_PORTICO_CONFIG', message, options);
  }
}
