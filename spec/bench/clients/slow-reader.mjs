// A slow reader of a streamed response: it asks for the stream, reads nothing
// for `stallMs`, then reads at `bytesPerSec` for `readMs`, then leaves. A server
// that honours backpressure keeps its memory flat all along.
// Usage: node slow-reader.mjs <port> <path> <stallMs> <bytesPerSec> <readMs>
import net from 'node:net';

const [port, path, stallMs, bytesPerSec, readMs] = process.argv.slice(2);
const rate = Number(bytesPerSec);
let received = 0;
let started = 0;

const socket = net.connect(Number(port), '127.0.0.1', () => {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  socket.pause();
  setTimeout(read, Number(stallMs));
});
socket.on('error', (err) => {
  console.error(`slow-reader: ${err.message}`);
  process.exit(1);
});

function read() {
  started = Date.now();
  socket.on('data', (chunk) => {
    received += chunk.length;
    // Ahead of the allowed rate: stop reading until the schedule catches up.
    const due = ((Date.now() - started) / 1000) * rate;
    if (received > due) {
      socket.pause();
      setTimeout(() => socket.resume(), Math.ceil(((received - due) / rate) * 1000));
    }
  });
  socket.resume();
  setTimeout(() => {
    console.log(JSON.stringify({ received }));
    socket.destroy();
    process.exit(0);
  }, Number(readMs));
}
