// Starts child-server.js and waits for its address; kills it when the test ends.

import type { ExecutionContext } from 'ava';
import { spawn, type SpawnOptions } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./child-server.js', import.meta.url));

export interface ChildServer {
  /** TCP port on 127.0.0.1 (0 when listening on a Unix socket). */
  port: number;
  /** The Unix socket path, when asked for one. */
  path?: string;
  pid: number;
  stderr: () => string;
  /** Connects a raw socket to the child's listener. */
  connect(): net.Socket;
  /** GET `target` from the child (node:http as the client), resolving to the body text. */
  getText(target: string): Promise<string>;
}

export interface ChildOptions {
  nodeArgs?: string[];
  /** A command the node process is started under (e.g. setpriv dropping capabilities). */
  wrapper?: string[];
  spawn?: SpawnOptions;
  socketPath?: string;
}

export const startChildServer = (t: ExecutionContext, root: string, options: ChildOptions = {}): Promise<ChildServer> =>
  new Promise((resolve, reject) => {
    const args = [...(options.nodeArgs ?? []), SCRIPT, root, ...(options.socketPath === undefined ? [] : [options.socketPath])];
    const [command, ...prefix] = [...(options.wrapper ?? []), process.execPath];
    const child = spawn(command!, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options.spawn });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child server did not start: ${err}`));
    }, 20_000);
    t.teardown(() => {
      clearTimeout(timer);
      child.kill('SIGKILL');
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const address = JSON.parse(out.split('\n')[0]!) as { port?: number; path?: string };
      const where = address.path !== undefined ? { socketPath: address.path } : { host: '127.0.0.1', port: address.port! };
      resolve({
        port: address.port ?? 0,
        path: address.path,
        pid: child.pid!,
        stderr: () => err,
        connect: () => (address.path !== undefined ? net.connect(address.path) : net.connect(address.port!, '127.0.0.1')),
        getText: (target) =>
          new Promise((ok, fail) => {
            const req = http.get({ ...where, path: target, agent: false }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (body += c));
              res.on('end', () => ok(body));
              res.on('error', fail);
            });
            req.on('error', fail);
          }),
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited (${code}): ${err}`));
    });
  });
