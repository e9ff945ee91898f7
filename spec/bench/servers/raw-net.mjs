// The ceiling: node:net answering fixed bytes without parsing. It only counts
// request ends ("\r\n\r\n", RFC 9112 §2.1) so that pipelined requests each get
// an answer, and writes a precomputed response per request. argv[3] picks what
// it answers: hello | 64k | 1m | stream (STREAM_BYTES, chunked, with backpressure).
import net from 'node:net';
import { BODIES, CHUNK, HELLO, STREAM_BYTES, port, ready } from './common.mjs';

const mode = process.argv[3] ?? 'hello';
const END = Buffer.from('\r\n\r\n');

const fixed = (type, body) =>
  Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);

const RESPONSES = {
  hello: fixed('text/plain', Buffer.from(HELLO)),
  '64k': fixed('application/octet-stream', BODIES['/64k']),
  '1m': fixed('application/octet-stream', BODIES['/1m']),
};

// A batch of n pipelined answers goes out as one buffer, built once per n.
const batches = [];
const answers = (n) => (batches[n] ??= Buffer.concat(Array(n).fill(RESPONSES[mode])));

const STREAM_HEAD = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
const FRAME = Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from('\r\n')]);
const LAST = Buffer.from('0\r\n\r\n');

const stream = (socket) => {
  socket.write(STREAM_HEAD);
  let left = STREAM_BYTES;
  const pump = () => {
    while (left > 0) {
      left -= CHUNK.length;
      if (!socket.write(FRAME)) return void socket.once('drain', pump);
    }
    socket.write(LAST);
  };
  pump();
};

const server = net.createServer({ noDelay: true }, (socket) => {
  let tail = null;
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    const buf = tail === null ? chunk : Buffer.concat([tail, chunk]);
    let n = 0;
    let end = 0;
    for (let i = buf.indexOf(END); i !== -1; i = buf.indexOf(END, end)) {
      n++;
      end = i + 4;
    }
    // Keep at most the last 3 bytes: a request end may straddle two reads.
    const keep = Math.max(end, buf.length - 3);
    tail = keep < buf.length ? Buffer.from(buf.subarray(keep)) : null;
    if (n === 0) return;
    if (mode === 'stream') stream(socket);
    else socket.write(answers(n));
  });
});
server.listen(port, '127.0.0.1', ready);
