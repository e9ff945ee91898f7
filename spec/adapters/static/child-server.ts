// A Portico serving one directory, run as a child process by the specs that
// measure the server from outside: its memory while a slow client downloads a
// large file, its open descriptors after aborted downloads, its answers when it
// runs as an unprivileged user.
//   node [--expose-gc] child-server.js ROOT [SOCKET_PATH]
// Listens on 127.0.0.1 (or on the Unix socket) and prints {"port": N} or
// {"path": P} on stdout; /_memory and /_fds report on the process.

import fs from 'node:fs';
import { serve } from '../../../gateway/index.js';
import { staticApp } from '../../../adapters/static/index.js';

const [root, socketPath] = process.argv.slice(2);
if (root === undefined) throw new Error('usage: child-server.js ROOT [SOCKET_PATH]');

const gc = (globalThis as { gc?: () => void }).gc;

/** Live memory: V8 frees array buffers after a GC on a background sweeper, so collect, wait, collect. */
const liveMemory = async (): Promise<NodeJS.MemoryUsage> => {
  gc?.();
  await new Promise((r) => setTimeout(r, 30));
  gc?.();
  await new Promise((r) => setTimeout(r, 30));
  return process.memoryUsage();
};

const server = await serve({
  ...(socketPath === undefined ? { port: 0, host: '127.0.0.1' } : { path: socketPath }),
  mounts: {
    '/': staticApp({ root }),
    '/_memory': async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await liveMemory()) }),
    '/_fds': () => ({ status: 200, body: String(fs.readdirSync('/proc/self/fd').length) }),
  },
});
process.stdout.write(JSON.stringify(socketPath === undefined ? { port: server.address.port } : { path: socketPath }) + '\n');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
