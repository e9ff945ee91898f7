// A Portico serving one directory, run as a child process by the specs that
// measure the server from outside: its memory while a slow client downloads a
// large file, its open descriptors after aborted downloads, its answers when it
// runs as an unprivileged user. Usage: node [--expose-gc] child-server.js ROOT.
// Prints {"port": N} on stdout once listening; /_memory and /_fds report on it.

import fs from 'node:fs';
import { serve } from '../../../gateway/index.js';
import { staticApp } from '../../../adapters/static/index.js';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: child-server.js ROOT');

const gc = (globalThis as { gc?: () => void }).gc;

const server = await serve({
  port: 0,
  host: '127.0.0.1',
  mounts: {
    '/': staticApp({ root }),
    '/_memory': () => {
      gc?.();
      const m = process.memoryUsage();
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(m) };
    },
    '/_fds': () => ({ status: 200, body: String(fs.readdirSync('/proc/self/fd').length) }),
  },
});
process.stdout.write(JSON.stringify({ port: server.address.port }) + '\n');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
