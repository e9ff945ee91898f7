// The child side of child-server.ts: serves one of a few fixed apps and reports
// its own resource use over IPC.

import { readdirSync } from 'node:fs';
import { serve, silentLogger, type App } from '../../gateway/index.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { app: string; limits?: object; timeouts?: object; maxConnections?: number };

const bytes = (n: number): Buffer => Buffer.alloc(n, 0x61);
const APPS: Record<string, App> = {
  hello: () => ({ status: 200, body: 'hello' }),
  // A well-behaved producer of 1 GiB: waits for drain whenever write() says so.
  flood: async (_env, res) => {
    const chunk = bytes(64 * 1024);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let sent = 0; sent < 1024 ** 3 && !res.aborted; sent += chunk.length) {
      if (!res.write(chunk)) await new Promise<void>((r) => res.onDrain(r));
    }
    if (!res.aborted) res.end();
  },
};

const server = await serve({
  port: 0,
  app: APPS[config.app] ?? APPS['hello']!,
  logger: silentLogger,
  limits: config.limits,
  timeouts: config.timeouts,
  maxConnections: config.maxConnections,
});
process.send!({ port: server.address.port });
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'stats') {
    process.send!({ stats: { rss: process.memoryUsage().rss, fds: readdirSync('/proc/self/fd').length, connections: server.connectionCount } });
  }
});
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
