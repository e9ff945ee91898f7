// Opens `count` keep-alive connections (`concurrency` connects in flight), sends
// one request on each and waits for its answer, then keeps them all open and
// idle. Prints "open <n>" once they all answered, then waits for SIGTERM.
// Usage: node idle-client.mjs <port> <path> <count> <concurrency>
import net from 'node:net';

const [port, path, count, concurrency] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)));
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
const sockets = [];
let started = 0;
let answered = 0;
let failed = 0;

const openOne = () => {
  if (started >= count) return;
  started++;
  const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
  sockets.push(socket);
  let done = false;
  const settle = (ok) => {
    if (done) return;
    done = true;
    if (ok) answered++;
    else failed++;
    if (answered + failed === count) report();
    else openOne();
  };
  // A hello answer fits in one read; the first bytes are enough to know it came.
  socket.once('data', () => settle(true));
  socket.on('error', () => settle(false));
  socket.on('close', () => settle(false));
};

const report = () => console.log(`open ${answered} failed ${failed}`);

for (let i = 0; i < concurrency; i++) openOne();
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 60_000);
