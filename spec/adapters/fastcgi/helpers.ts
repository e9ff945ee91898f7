// Shared by the FastCGI specs: the PHP fixtures' folder, a real php-fpm started
// once per spec file with a generated pool (startPhpFpm, the adapter's own
// supervisor), a Portico serving the fixtures through it, and a log that
// captures both the server's and the adapter's lines.

import type { ExecutionContext } from 'ava';
import { fastcgiApp, startPhpFpm, type FastCgiOptions, type PhpFpm } from '../../../adapters/fastcgi/index.js';
import { startServer, type TestServer } from '../../helpers/server.js';

/** spec/fixtures/php in the source tree (the scripts are not compiled). */
export const PHP_ROOT = new URL('../../../../spec/fixtures/php/', import.meta.url).pathname.replace(/\/$/, '');

export interface Captured {
  lines: Array<{ message: string; fields: Record<string, unknown> }>;
  text(): string;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const captureLog = (): Captured => {
  const lines: Captured['lines'] = [];
  return {
    lines,
    error(message, fields = {}) {
      lines.push({ message, fields });
    },
    text: () => lines.map((l) => `${l.message} ${JSON.stringify(l.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`).join('\n'),
  };
};

export const startFpm = (children = 4, ini: Record<string, string> = {}): Promise<PhpFpm> =>
  startPhpFpm({ children, ini: { 'session.save_path': '/tmp', upload_max_filesize: '64M', post_max_size: '64M', ...ini }, logger: captureLog() });

export interface PhpServer extends TestServer {
  log: Captured;
}

/** A Portico on 127.0.0.1 with the PHP fixtures at "/" (or `mount`), through `fpm`. */
export const startPhpServer = async (t: ExecutionContext, fpm: { address: string; children?: number }, options: Partial<FastCgiOptions> = {}, mount = '/'): Promise<PhpServer> => {
  const log = captureLog();
  const app = fastcgiApp({ address: fpm.address, root: PHP_ROOT, maxConnections: fpm.children ?? 4, ...options });
  const server = await startServer(t, { mounts: { [mount]: app }, logger: log });
  t.teardown(() => app.close());
  return { ...server, log };
};

/** Waits, bounded, until `check` holds. */
export const eventually = async (check: () => boolean, ms = 5_000): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
};
