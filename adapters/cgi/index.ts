// portico/cgi: run CGI/1.1 programs (RFC 3875) as apps of the gateway
// interface, the way Apache's mod_cgi and Go's net/http/cgi do, with Portico's
// streaming and limits. `cgiApp({ script })` runs one program for the whole
// mount (git-http-backend, php-cgi); `cgiApp({ root })` runs the executables of
// a folder, the first path segments naming the program and the rest becoming
// PATH_INFO. The modules beside this one each do one part: script-resolver,
// meta-variables, body-spool, stdin-feed, header-parser, cgi-response,
// local-redirect, program-run, process-group, concurrency-limit, nph, stderr-log.

import type { App, AppStats } from '../env.js';
import { CgiDispatcher } from './dispatch.js';
import { resolveOptions, type CgiOptions } from './options.js';

export type { CgiOptions } from './options.js';
export type { CgiLogger } from './stderr-log.js';
export { CgiError, type CgiErrorCode } from './cgi-error.js';

/** An app that runs CGI programs: `cgiApp({ root: './cgi-bin' })` or `cgiApp({ script: '/usr/lib/git-core/git-http-backend' })`. */
export const cgiApp = (options: CgiOptions): App & { stats(): AppStats } => {
  const dispatcher = new CgiDispatcher(resolveOptions(options));
  const app: App = (env, res) => dispatcher.handle(env, res, 0);
  // Programs running and waiting under this mount, for the gateway's metrics (adapters never import the gateway).
  return Object.assign(app, { stats: (): AppStats => ({ kind: 'cgi', running: dispatcher.limit.running, queued: dispatcher.limit.queued }) });
};
