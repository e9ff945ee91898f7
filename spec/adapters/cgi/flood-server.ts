// A Portico serving the CGI fixtures, run as a child process by flood.spec so
// its memory and its children can be measured apart from the test runner.
// Prints {"port": N} once listening; stops on SIGTERM.

import { serve } from '../../../gateway/index.js';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { FIXTURES } from './helpers.js';

const server = await serve({
  port: 0,
  host: '127.0.0.1',
  mounts: { '/cgi': cgiApp({ root: FIXTURES, killGraceMs: 1000, logger: { error() {} } }) },
  logger: { error() {} },
});
process.stdout.write(JSON.stringify({ port: server.address.port }) + '\n');
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
