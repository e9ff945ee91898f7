// Starts child-server.js and waits for its port; kills it when the test ends.

import type { ExecutionContext } from 'ava';
import { spawn, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./child-server.js', import.meta.url));

export interface ChildServer {
  port: number;
  pid: number;
  stderr: () => string;
}

export const startChildServer = (t: ExecutionContext, root: string, options: { nodeArgs?: string[]; spawn?: SpawnOptions } = {}): Promise<ChildServer> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), SCRIPT, root], { stdio: ['ignore', 'pipe', 'pipe'], ...options.spawn });
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
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ port: (JSON.parse(line!) as { port: number }).port, pid: child.pid!, stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited (${code}): ${err}`));
    });
  });
