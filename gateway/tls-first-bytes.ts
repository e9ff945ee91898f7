// What a TLS listener does before the handshake: it looks at the first bytes a
// client sends. A TLS connection opens with a handshake record (content type
// 22, RFC 8446 §5.1); an HTTP request opens with a method, letters. Someone who
// typed http:// for the HTTPS port would otherwise see an empty reply (the
// handshake fails on "GET /"); nginx answers 400 "The plain HTTP request was
// sent to HTTPS port", and so does Portico, in plain text, then closes. The
// bytes are peeked, not consumed: the chunk is put back (unshift) and node:tls
// reads a wrapped socket's buffered bytes first, so the handshake sees them all.
// A client that sends nothing is dropped after `timeoutMs`, as a slow handshake.

import type net from 'node:net';

const TLS_HANDSHAKE = 0x16;
export const PLAIN_HTTP_MESSAGE = 'The plain HTTP request was sent to HTTPS port';
const PLAIN_HTTP_ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${PLAIN_HTTP_MESSAGE.length + 1}\r\nConnection: close\r\n\r\n${PLAIN_HTTP_MESSAGE}\n`;
/** After answering, how long the rest of the request may keep arriving before the socket is cut. */
const LINGER_MS = 2_000;

/** Letters: the first byte of every HTTP method (RFC 9110 §9.1: a token; in practice upper-case). */
const isLetter = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * Waits for the connection's first bytes, then either calls `handshake()` (TLS,
 * or anything that is not plain HTTP: let node:tls refuse it) or answers the
 * plain HTTP request with a 400 and closes.
 */
export const sortFirstBytes = (socket: net.Socket, handshake: () => void, timeoutMs = 10_000): void => {
  const settle = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('error', onGone);
  };
  const onData = (chunk: Buffer): void => {
    settle();
    socket.pause();
    if (chunk[0] !== TLS_HANDSHAKE && isLetter(chunk[0]!)) return answerPlainHttp(socket);
    socket.unshift(chunk);
    handshake();
  };
  const onGone = (): void => {
    settle();
    socket.destroy();
  };
  const timer = setTimeout(onGone, timeoutMs);
  socket.on('data', onData);
  socket.on('end', onGone);
  socket.on('error', onGone);
};

/**
 * The 400, then a half-close; what is still arriving of the request is read and
 * dropped (closing with unread bytes would send a RST, which can destroy the
 * answer in the client's buffer before it reads it).
 */
const answerPlainHttp = (socket: net.Socket): void => {
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  const done = (): void => {
    clearTimeout(cut);
    socket.destroy();
  };
  socket.on('error', done);
  socket.on('end', done);
  socket.on('data', () => {});
  socket.end(PLAIN_HTTP_ANSWER);
  socket.resume();
};
