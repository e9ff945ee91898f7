// portico/fastcgi: run FastCGI applications (php-fpm above all, and fcgiwrap,
// flup...) as apps of the gateway interface, the way nginx's fastcgi_pass with
// try_files does. `fastcgiApp({ address, root })` routes each path (static
// file, script, front controller), sends scripts to the application over
// pooled keep-conn connections, and streams both ways. `phpFpm()` starts and
// supervises a php-fpm with a generated pool when none is running. The modules
// beside this one each do one part: protocol, record-parser, connection,
// connection-pool, exchange, front-controller, dispatch, php-fpm.

import type { App, AppStats } from '../env.js';
import { FastCgiDispatcher } from './dispatch.js';
import { resolveOptions, type FastCgiOptions } from './options.js';

export type { FastCgiOptions } from './options.js';
export { FastCgiError, type FastCgiErrorCode } from './fastcgi-error.js';

/** An app of the gateway interface with a close() that closes its idle connections, and its live counts. */
export type FastCgiApp = App & { close(): Promise<void>; stats(): AppStats };

/** `fastcgiApp({ address: 'unix:/run/php/php8.2-fpm.sock', root: './site' })`. */
export const fastcgiApp = (options: FastCgiOptions): FastCgiApp => {
  const dispatcher = new FastCgiDispatcher(resolveOptions(options));
  const app: App = (env, res) => dispatcher.handle(env, res, 0);
  const pool = dispatcher.pool;
  return Object.assign(app, {
    close: async () => pool.close(),
    // Busy connections are php-fpm children at work; for the gateway's metrics.
    stats: (): AppStats => ({ kind: 'fastcgi', running: pool.size - pool.idleCount, queued: pool.queued }),
  });
};
export { startPhpFpm, findPhpFpm, type PhpFpm, type PhpFpmOptions } from './php-fpm.js';
