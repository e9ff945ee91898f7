// The few pieces of node:http's private state the adapter must reach, found once
// at load time. Node keeps a response's fields in an own symbol property
// (kOutHeaders) and its "a write returned false" flag in another (kNeedDrain);
// both are own properties of every OutgoingMessage, so they are found by their
// descriptions on a throwaway instance. Should a future Node rename them, the
// adapter falls back to the public API (getRawHeaderNames/getHeader) and simply
// leaves writableNeedDrain to Node. Node's no-op write callback is found the same
// way; should it change, a no-op is merely scheduled as any other callback.

import http from 'node:http';

const probe = new http.OutgoingMessage();
const symbolNamed = (description: string): symbol | undefined =>
  Object.getOwnPropertySymbols(probe).find((s) => s.description === description);

/** The map of fields set with setHeader: lower-cased name → [name as set, value]. */
export const kOutHeaders = symbolNamed('kOutHeaders');
/** True after a write() returned false, until 'drain'. */
export const kNeedDrain = symbolNamed('kNeedDrain');

/**
 * The no-op node's write() and end() pass to _send when the app gave no callback
 * (_http_outgoing's `nop`, also every message's initial _onPendingData): nothing
 * to schedule for it.
 */
export const nodeNop = (probe as unknown as { _onPendingData: unknown })._onPendingData;

/** ServerResponse's own _finish (emits 'prefinish'); the adapter runs it after ending the Portico response. */
export const baseFinish = (http.ServerResponse.prototype as unknown as { _finish: (this: http.ServerResponse) => void })._finish;

/** Node's 'close' for a response, as _http_server's emitCloseNT does it. */
export const emitResponseClose = (res: http.ServerResponse): void => {
  const r = res as http.ServerResponse & { _closed: boolean; destroyed: boolean };
  if (r._closed) return;
  r.destroyed = true;
  r._closed = true;
  res.emit('close');
};

/** The error node:http destroys a request with when its client leaves (connResetException). */
export const abortedError = (): Error => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
