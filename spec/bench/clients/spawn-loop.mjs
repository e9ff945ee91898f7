// The fork/exec floor for CGI: runs the CGI script over and over with no HTTP at
// all (`concurrency` at a time, like a server with that many clients) for
// `durationMs`, collecting its output as a CGI server would. Prints
// {"spawns": n, "seconds": s, "perSec": r}.
// Usage: node spawn-loop.mjs <script> <durationMs> <concurrency>
import { spawn } from 'node:child_process';

const [script, durationMs, concurrency] = process.argv.slice(2);
const env = { GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'GET', SERVER_PROTOCOL: 'HTTP/1.1', PATH: process.env.PATH };
const start = performance.now();
const deadline = start + Number(durationMs);
let spawns = 0;
let running = 0;

const runOne = () => {
  running++;
  const child = spawn(script, [], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const out = [];
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.on('close', (code) => {
    running--;
    if (code !== 0 || Buffer.concat(out).indexOf('Hello World!') === -1) {
      console.error(`spawn-loop: script failed (exit ${code})`);
      process.exit(1);
    }
    spawns++;
    if (performance.now() < deadline) runOne();
    else if (running === 0) {
      const seconds = (performance.now() - start) / 1000;
      console.log(JSON.stringify({ spawns, seconds, perSec: spawns / seconds }));
    }
  });
};

for (let i = 0; i < Number(concurrency); i++) runOne();
