// The fork/exec floor for CGI: runs the CGI script over and over with no HTTP at
// all (`concurrency` at a time, like a server with that many clients) for
// `durationMs`, collecting its output as a CGI server would. Prints
// {"spawns": n, "seconds": s, "perSec": r, "perCpuSecond": c}, c counting the CPU
// time of this process and of its reaped children (/proc/self/stat, proc(5)).
// Usage: node spawn-loop.mjs <script> <durationMs> <concurrency>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [script, durationMs, concurrency] = process.argv.slice(2);
const env = { GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'GET', SERVER_PROTOCOL: 'HTTP/1.1', PATH: process.env.PATH };
const CLOCK_TICKS = Number(process.env.BENCH_CLK_TCK ?? 100);
const cpuSeconds = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.slice(11, 15).reduce((sum, v) => sum + Number(v), 0) / CLOCK_TICKS;
};
const cpuAtStart = cpuSeconds();
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
      console.log(JSON.stringify({ spawns, seconds, perSec: spawns / seconds, perCpuSecond: spawns / (cpuSeconds() - cpuAtStart) }));
    }
  });
};

for (let i = 0; i < Number(concurrency); i++) runOne();
