// Raw-bytes exchanges over node:net, for byte-exact framing tests. The request
// bytes can be written at once, one byte per write, or at given split points;
// the reply is collected until the server closes, or until `expectResponses`
// complete responses have arrived and the connection stays open for `settleMs`.
// A last response that says `Connection: close` announces the close (RFC 9112
// §9.6), so then the exchange waits for the close itself (up to `timeoutMs`)
// rather than for a quiet `settleMs`: on a loaded machine the FIN can be read
// after a short window has passed, and a test would see an open connection.

import net from 'node:net';
import { type RawResponse, header, parseResponses } from './response-reader.js';

export type Split = 'whole' | 'bytes' | readonly number[];

export interface ExchangeOptions {
  split?: Split;
  /** Stop waiting once this many final responses arrived and nothing else came for settleMs. */
  expectResponses?: number;
  settleMs?: number;
  /** Overall bound. */
  timeoutMs?: number;
  /** Shut the write side after sending (half-close). */
  halfClose?: boolean;
  /** Indexes of requests that are HEAD (their responses have no body). */
  headRequests?: ReadonlySet<number>;
}

export interface ExchangeResult {
  bytes: Buffer;
  responses: RawResponse[];
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Bytes after the last complete response. */
  rest: Buffer;
}

const announcesClose = (res: RawResponse): boolean => /(^|,)\s*close\s*(,|$)/i.test(header(res, 'connection') ?? '');

const writeAll = async (socket: net.Socket, data: Buffer, split: Split): Promise<void> => {
  const pieces: Buffer[] = [];
  if (split === 'whole') pieces.push(data);
  else if (split === 'bytes') for (let i = 0; i < data.length; i++) pieces.push(data.subarray(i, i + 1));
  else {
    let at = 0;
    for (const cut of [...split, data.length]) {
      if (cut > at) pieces.push(data.subarray(at, Math.min(cut, data.length)));
      at = Math.max(at, cut);
    }
  }
  for (const piece of pieces) {
    if (socket.destroyed) return;
    // Wait for each piece to be handed to the kernel so the server sees separate reads.
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    if (split !== 'whole') await new Promise((r) => setImmediate(r));
  }
};

export const exchange = (port: number, request: Buffer | string, options: ExchangeOptions = {}): Promise<ExchangeResult> => {
  const data = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
  const { split = 'whole', expectResponses = 1, settleMs = 50, timeoutMs = 20_000, halfClose = false } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let settleTimer: NodeJS.Timeout | undefined;
    let settleTurn: NodeJS.Immediate | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      clearTimeout(settleTimer);
      const bytes = Buffer.concat(chunks);
      try {
        const { responses, rest } = parseResponses(bytes, closed, options.headRequests);
        resolve({ bytes, responses, closed, rest });
      } catch (err) {
        reject(err);
      }
      socket.destroy();
    };
    // Both bounds end one loop turn after their timer: libuv runs timers before it
    // polls sockets, so after a stall of the process a timer would fire ahead of
    // bytes or a FIN that had already arrived.
    const overall = setTimeout(() => setImmediate(finish), timeoutMs);
    const settled = () => {
      settleTurn = setImmediate(finish);
    };
    const check = () => {
      clearTimeout(settleTimer);
      clearImmediate(settleTurn);
      const { responses } = parseResponses(Buffer.concat(chunks), false, options.headRequests);
      const finals = responses.filter((r) => r.status >= 200);
      if (finals.length < expectResponses) return;
      if (announcesClose(finals.at(-1)!)) return; // 'end' finishes
      settleTimer = setTimeout(settled, settleMs);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      check();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      writeAll(socket, data, split)
        .then(() => {
          if (halfClose && !socket.destroyed) socket.end();
        })
        .catch(() => {});
    });
  });
};

/**
 * A 'data' listener for a raw socket that splits off the response head (given
 * to `onHead`, CRLFs included) and hands every body byte after it to `onBody`.
 */
export const afterHead = (onBody: (chunk: Buffer) => void, onHead: (head: Buffer) => void = () => {}): ((chunk: Buffer) => void) => {
  let head: Buffer | null = Buffer.alloc(0);
  return (chunk) => {
    if (head !== null) {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      onHead(head.subarray(0, end + 4));
      chunk = head.subarray(end + 4);
      head = null;
    }
    onBody(chunk);
  };
};
