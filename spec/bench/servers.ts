// The servers under test, Portico (the subjects) and its peers, as commands the
// harness pins to the server core. Each is a small .mjs in spec/bench/servers/
// that takes the port as argv[2]; Python's CGI server is started as-is.

import path from 'node:path';
import type { ServerSpec } from './server-process.js';
import { CGI_DIR, CLI, SERVERS_DIR } from './paths.js';

const nodeServer = (name: string, script: string, portico: boolean, ...args: string[]): ServerSpec => ({
  name,
  portico,
  command: (port, nodeFlags = []) => [process.execPath, ...nodeFlags, path.join(SERVERS_DIR, script), String(port), ...args],
});

export const NATIVE = nodeServer('portico native', 'portico-native.mjs', true);
/** The Hono app on Portico, `fetchApp(app.fetch)` in code, default options. */
export const FETCH = nodeServer('portico fetch (Hono app)', 'portico-fetch.mjs', true);
/** The same with Node's own Response (`lightResponse: false`): what the light Response saves. */
export const FETCH_NODE_RESPONSE = nodeServer('portico fetch (Hono, lightResponse: false)', 'portico-fetch.mjs', true, 'node-response');
/** The Hono app as a module served by the `portico` command, default options. */
export const FETCH_CLI: ServerSpec = {
  name: 'portico CLI (Hono module)',
  portico: true,
  command: (port, nodeFlags = []) => [process.execPath, ...nodeFlags, CLI, '--port', String(port), path.join(SERVERS_DIR, 'hono-module.mjs')],
  readiness: 'tcp',
};
/**
 * Portico's native server from another built checkout (BENCH_BASELINE=DIR), run in
 * the same rounds as this one's: "no regression" measured back to back, not
 * against figures of another day.
 */
export const BASELINE_NATIVE_NAME = 'portico native (BENCH_BASELINE)';
export const baselineNative = (dir: string | undefined): ServerSpec[] =>
  dir === undefined || dir === ''
    ? []
    : [{ name: BASELINE_NATIVE_NAME, portico: true, command: (port, nodeFlags = []) => [process.execPath, ...nodeFlags, path.join(dir, 'spec/bench/servers/portico-native.mjs'), String(port)] }];
export const NODE_BARE = nodeServer('portico node (bare handler)', 'portico-node.mjs', true);
/** The same handler on portico/node's createServer(), the drop-in for http.createServer (no serve() around it). */
export const NODE_CREATE_SERVER = nodeServer('portico/node createServer() (bare handler)', 'portico-create-server.mjs', true);
export const PORTICO_EXPRESS4 = nodeServer('portico node + Express 4', 'portico-express.mjs', true, '4');
export const PORTICO_EXPRESS5 = nodeServer('portico node + Express 5', 'portico-express.mjs', true, '5');
export const PORTICO_CGI = nodeServer('portico cgi', 'portico-cgi.mjs', true);
export const PORTICO_STATIC = nodeServer('portico static', 'portico-static.mjs', true);
/** fastcgiApp in front of a php-fpm pool of 4 (spec/bench/servers/php-pool.mjs). */
export const PORTICO_PHP = nodeServer('portico fastcgi + php-fpm', 'portico-php.mjs', true);

/** nginx (one worker, fastcgi_keep_conn) in front of the same php-fpm pool. */
export const NGINX_PHP = nodeServer('nginx + php-fpm', 'nginx-php.mjs', false);
/** nginx's static module (sendfile on, one worker, no access log) on the same files as PORTICO_STATIC. */
export const NGINX_STATIC = nodeServer('nginx static (sendfile)', 'nginx-static.mjs', false);
export const NODE_HTTP = nodeServer('node:http (bare handler)', 'node-http.mjs', false);
export const HONO = nodeServer('@hono/node-server', 'hono-node.mjs', false);
export const EXPRESS4 = nodeServer('node:http + Express 4', 'express-node-http.mjs', false, '4');
export const EXPRESS5 = nodeServer('node:http + Express 5', 'express-node-http.mjs', false, '5');
export const EXPRESS_STATIC = nodeServer('node:http + express.static', 'express-node-http.mjs', false, '4');
/** The raw node:net server, answering `mode` (hello | 64k | 1m | stream). */
export const rawNet = (mode: string): ServerSpec => nodeServer('raw node:net (ceiling)', 'raw-net.mjs', false, mode);

export const PYTHON_CGI: ServerSpec = {
  name: 'python3 http.server --cgi',
  portico: false,
  command: (port) => ['python3', '-m', 'http.server', '--cgi', '--bind', '127.0.0.1', String(port)],
  cwd: CGI_DIR,
  readiness: 'tcp',
};

/** Not a server: the spawn loop runs in its own pinned process and reports spawns/s. */
export const SPAWN_LOOP: ServerSpec = {
  name: 'spawn loop (fork/exec floor)',
  portico: false,
  command: () => [],
};
