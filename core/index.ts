// The engine's public surface: the gateway and adapters import from here.
export { HttpError, PorticoError, bodyTooLarge, type HttpErrorCode } from './errors.js';
export { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type Limits, type Timeouts } from './limits.js';
export { STATUS_TEXT, statusText } from './status-text.js';
export { RequestParser, type RequestHead, type ParserEvent } from './request-parser.js';
export { RequestBody, type BodySink } from './request-body.js';
export { OutgoingResponse, type Chunk, type HeadOptions } from './response.js';
export type { OutgoingHeaders, HeaderValue } from './response-head.js';
export type { HeaderMap } from './headers.js';
export { Connection, type ConnectionHandler, type ConnectionInfo, type ConnectionOptions, type PeerAddress } from './connection.js';
export { ServerConnection, type ConnectionCommands, type ExchangeHandler, type ServerConnectionOptions } from './server-connection.js';
export type { ConnectionState } from './connection-state.js';
export { Sweeper } from './sweeper.js';
export { isToken, isFieldValue } from './chars.js';
export { httpDate } from './http-date.js';
export { BadPathError, decodeSegment, normalizePath, skipSegments, type NormalizedPath } from './request-path.js';
