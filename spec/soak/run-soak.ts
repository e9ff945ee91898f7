// The soak: N mixed requests over every mounted app kind from a pool of keep-alive
// clients, with a fraction of faulty clients (leaving mid-head, mid-body, sending
// garbage, resetting after pipelining). Afterwards the server must be back where
// it started: the same open file descriptors, no child process left, and RSS
// within 10% of its level after warm-up.

import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface SoakStats {
  rss: number;
  heapUsed: number;
  fds: number;
  children: number;
  connections: number;
}

export interface SoakReport {
  requests: number;
  faultyClients: number;
  byStatus: Record<string, number>;
  unexpected: string[];
  mounts: string[];
  warm: SoakStats;
  end: SoakStats;
  start: SoakStats;
  seconds: number;
}

interface Route {
  path: string;
  method: string;
  body?: Buffer;
  expect: number;
  weight: number;
}

const ROUTES: Route[] = [
  { path: '/native/x', method: 'GET', expect: 200, weight: 30 },
  { path: '/echo/x', method: 'POST', body: Buffer.alloc(2048, 1), expect: 200, weight: 10 },
  { path: '/stream', method: 'GET', expect: 200, weight: 5 },
  { path: '/fault', method: 'GET', expect: 500, weight: 2 },
  { path: '/missing', method: 'GET', expect: 404, weight: 2 },
  { path: '/node/json', method: 'GET', expect: 200, weight: 15 },
  { path: '/node/body', method: 'POST', body: Buffer.from('{"a":1}'), expect: 200, weight: 5 },
  { path: '/fetch/hi', method: 'GET', expect: 200, weight: 15 },
  { path: '/fetch/up', method: 'POST', body: Buffer.alloc(8192, 2), expect: 200, weight: 5 },
  { path: '/cgi/hello.sh', method: 'GET', expect: 200, weight: 1 },
  { path: '/static/file.bin', method: 'GET', expect: 200, weight: 5 },
];

const FAULTS: Array<(port: number) => Promise<void>> = [
  // leaves mid-head
  (port) => rawClient(port, 'GET /native HTTP/1.1\r\nHost: x\r\nX-A: b', 'destroy'),
  // leaves mid-body
  (port) => rawClient(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc', 'destroy'),
  // garbage
  (port) => rawClient(port, '\x16\x03\x01\x00\xa5garbage\r\n\r\n', 'wait'),
  // pipelines, then resets without reading
  (port) => rawClient(port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20), 'reset'),
];

const rawClient = (port: number, data: string, how: 'destroy' | 'wait' | 'reset'): Promise<void> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(data, 'latin1');
      if (how === 'destroy') setTimeout(() => s.destroy(), 5);
      else if (how === 'reset') setTimeout(() => s.resetAndDestroy(), 5);
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve());
    setTimeout(() => s.destroy(), 3000).unref();
  });

export const runSoak = async (total: number, concurrency = 32, faultEvery = 200, log: (s: string) => void = () => {}): Promise<SoakReport> => {
  const started = Date.now();
  const child = fork(fileURLToPath(new URL('./soak-server.js', import.meta.url)), [], {
    // A fixed young generation: V8 resizes it with the allocation rate, which moves RSS
    // by up to tens of MiB and would hide (or fake) a leak.
    execArgv: ['--expose-gc', '--min-semi-space-size=4', '--max-semi-space-size=4'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const hello = await new Promise<{ port: number; mounts: string[] }>((resolve, reject) => {
    child.once('message', resolve as (m: unknown) => void);
    child.once('exit', (code) => reject(new Error(`soak server exited (${code})`)));
  });
  const stats = (): Promise<SoakStats> =>
    new Promise((resolve) => {
      child.once('message', (m: { stats: SoakStats }) => resolve(m.stats));
      child.send({ cmd: 'stats' });
    });
  // Routes of adapters that are not mounted are left out (the 404 route stays).
  // RSS after a GC still moves by several MiB from one moment to the next (heap
  // resizing, allocator arenas): compare the lowest of a few samples at each point.
  const settled = async (): Promise<SoakStats> => {
    let best = await stats();
    for (let i = 0; i < 4; i++) {
      await sleep(100);
      const s = await stats();
      if (s.rss < best.rss) best = { ...s, fds: best.fds, children: best.children };
    }
    return best;
  };
  const routes = ROUTES.filter((r) => r.expect === 404 || hello.mounts.includes('/' + r.path.split('/')[1]));
  const weighted: Route[] = routes.flatMap((r) => Array<Route>(r.weight).fill(r));
  const origin = `http://127.0.0.1:${hello.port}`;
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const start = await stats();
  const byStatus: Record<string, number> = {};
  const unexpected: string[] = [];
  let issued = 0;
  let faulty = 0;
  let warm: SoakStats | null = null;
  // Warm-up: JIT, caches and allocator arenas settle in the first few thousand requests.
  const warmAt = Math.min(Math.floor(total / 4), 50_000);
  const idle = async (): Promise<void> => {
    for (let i = 0; i < 200 && (await stats()).connections > concurrency; i++) await sleep(25);
  };
  const worker = async (): Promise<void> => {
    while (issued < total) {
      const n = issued++;
      if (n === warmAt && warm === null) {
        warm = { rss: 0, heapUsed: 0, fds: 0, children: 0, connections: 0 }; // placeholder while measuring
        await idle();
        warm = await settled();
      }
      if (faultEvery > 0 && n % faultEvery === 0) {
        faulty++;
        await FAULTS[(n / faultEvery) % FAULTS.length]!(hello.port);
        continue;
      }
      const route = weighted[n % weighted.length]!;
      try {
        const res = await pool.request({ path: route.path, method: route.method as 'GET', body: route.body });
        await res.body.dump();
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode !== route.expect && unexpected.length < 20) unexpected.push(`${route.method} ${route.path} → ${res.statusCode}`);
      } catch (err) {
        if (unexpected.length < 20) unexpected.push(`${route.method} ${route.path} → ${(err as Error).message}`);
      }
      if (n % 50_000 === 0 && n > 0) log(`${n} requests, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  // Let the server notice every closed connection and reap every program.
  let end = await stats();
  for (let i = 0; i < 200 && (end.connections > 0 || end.children > 0); i++) {
    await sleep(25);
    end = await stats();
  }
  await sleep(200);
  end = await settled();
  child.kill('SIGTERM');
  return {
    requests: total,
    faultyClients: faulty,
    byStatus,
    unexpected,
    mounts: hello.mounts,
    start,
    warm: warm ?? start,
    end,
    seconds: (Date.now() - started) / 1000,
  };
};
