// The one error type of the CLI's configuration: its message is a single line
// that names the flag or config key at fault; the CLI prints it alone (no stack
// trace) and exits with status 2, the conventional status for usage errors.

export class ConfigError extends Error {
  readonly code = 'ERR_PORTICO_CONFIG';
}
