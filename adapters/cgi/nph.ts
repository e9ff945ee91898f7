// nph- ("non-parsed header") programs write the whole HTTP response themselves,
// status line included (RFC 3875 §5). Portico steps aside: at the first byte of
// output it takes the socket from the engine (Responder.detach()), passes the
// program's stdout through untouched with the socket's own backpressure (pipe),
// and closes the connection when the program is done, since nothing marks where
// such a response ends. Until that first byte nothing was sent, so a program
// that fails silently still gets the usual 502.

import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Responder } from '../env.js';

/** Gives the connection to the program's output; `gone` runs when the socket closes. */
export const passRaw = (res: Responder, first: Buffer, stdout: Readable, gone: () => void): Socket => {
  const { socket } = res.detach();
  socket.on('close', gone);
  // Bytes the client sent after this request (pipelining) are not for us: the connection ends here.
  socket.on('data', () => {});
  socket.write(first);
  stdout.pipe(socket, { end: false });
  stdout.on('end', () => socket.end(() => socket.destroy()));
  return socket;
};
