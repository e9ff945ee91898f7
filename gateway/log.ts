// The error log. Portico reports app failures with the mount that failed and the
// cause; the shape and the console sink live in adapters/log.ts, shared with the
// adapters that log on their own.

import { consoleLoggerFor, type Logger } from '../adapters/log.js';

export { silentLogger, setConsoleLogFormat, type ErrorLogFormat, type Logger } from '../adapters/log.js';

export const consoleLogger: Logger = consoleLoggerFor('error');
