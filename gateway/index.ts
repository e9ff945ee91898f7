// The package entry point, `portico`: the server, the gateway interface's types,
// the validator and the engine's error type.
export { serve, Server, type ServeOptions, type ServerAddress, type TlsOptions } from './server.js';
export type { MountOptions, MountTable } from './router.js';
export type { ErrorInfo, ErrorPage, ErrorPages } from './error-pages.js';
export type { Logger } from './log.js';
export { consoleLogger, silentLogger } from './log.js';
export { compress, type CompressionOptions } from '../adapters/middleware/compression/index.js';
export { parseProxyHeader, ProxyProtocolError, type ProxyProtocolOptions } from './proxy-protocol.js';
export { validate, checkEnv, ContractViolation, type Violation, type ViolationReport } from '../adapters/validator.js';
export { OptionError, type OptionErrorCode } from '../adapters/option-error.js';
export type { App, AppResponse, Env, Responder, ResponseBody, Chunk, OutgoingHeaders } from '../adapters/env.js';
export { HttpError, PorticoError, type HttpErrorCode, type Limits, type Timeouts, RequestBody, STATUS_TEXT } from '../core/index.js';
