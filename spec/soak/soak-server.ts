// The server side of the soak: one Portico with every kind of app mounted, in a
// child process so that its file descriptors, child processes and memory are its
// own. It answers {cmd:'stats'} over IPC after a forced GC (run it with
// --expose-gc) so memory figures compare like with like.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, silentLogger, type App, type MountTable } from '../../gateway/index.js';

const mounts: MountTable = {
  '/native': () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' }),
  '/echo': async (env) => ({ status: 200, body: await env.body.bytes() }),
  '/stream': async (_env, res) => {
    res.writeHead(200);
    for (let i = 0; i < 8; i++) if (!res.write(Buffer.alloc(4096, i))) await new Promise<void>((r) => res.onDrain(r));
    res.end();
  },
  '/fault': () => {
    throw new Error('soak fault');
  },
};

// Adapters are mounted when present, so the soak runs at every stage of the project.
const dir = mkdtempSync(join(tmpdir(), 'portico-soak-'));
const optional = async (name: string, make: (mod: Record<string, unknown>) => Promise<App> | App): Promise<void> => {
  try {
    const mod = (await import(`../../adapters/${name}/index.js`)) as Record<string, unknown>;
    mounts[`/${name}`] = await make(mod);
  } catch (err) {
    process.stderr.write(`soak: ${name} adapter not mounted (${(err as Error).message})\n`);
  }
};
await optional('node', async (m) => {
  const express = (await import('express')).default;
  const app = express();
  app.get('/json', (_req, res) => void res.json({ ok: true }));
  app.post('/body', express.json(), (req, res) => void res.json(req.body));
  return (m['nodeApp'] as (h: unknown) => App)(app);
});
await optional('fetch', async (m) => {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.get('/hi', (c) => c.text('hi'));
  app.post('/up', async (c) => c.json({ n: (await c.req.arrayBuffer()).byteLength }));
  return (m['fetchApp'] as (h: unknown, o: unknown) => App)(app, { stripPrefix: true });
});
await optional('cgi', (m) => {
  const script = join(dir, 'hello.sh');
  writeFileSync(script, '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nhello from cgi\\n"\n');
  chmodSync(script, 0o755);
  return (m['cgiApp'] as (o: unknown) => App)({ root: dir });
});
await optional('static', (m) => {
  writeFileSync(join(dir, 'file.bin'), Buffer.alloc(256 * 1024, 7));
  return (m['staticApp'] as (o: unknown) => App)({ root: dir });
});

const server = await serve({ port: 0, mounts, logger: silentLogger, timeouts: { headersMs: 2000, bodyMs: 2000 } });

const childProcesses = (): number => {
  try {
    return readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).length;
  } catch {
    return -1;
  }
};

process.send!({ port: server.address.port, mounts: Object.keys(mounts) });
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd !== 'stats') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send!({
    stats: {
      rss: process.memoryUsage().rss,
      heapUsed: process.memoryUsage().heapUsed,
      fds: readdirSync('/proc/self/fd').length,
      children: childProcesses(),
      connections: server.connectionCount,
    },
  });
});
process.on('SIGTERM', () => {
  rmSync(dir, { recursive: true, force: true });
  void server.close().then(() => process.exit(0));
});
