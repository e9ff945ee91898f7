// A Portico in a child process, for tests that measure the server alone: its
// RSS, its open file descriptors, its child processes. The child runs
// spec/hardening/child-server-main.js with a JSON config naming an app kind;
// it reports its port, then answers {cmd:'stats'} with memory and fd counts.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildStats {
  rss: number;
  fds: number;
  connections: number;
}

export interface ChildServer {
  port: number;
  child: ChildProcess;
  stats(): Promise<ChildStats>;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./child-server-main.js', import.meta.url));

export const startChildServer = (config: Record<string, unknown>): Promise<ChildServer> =>
  new Promise((resolve, reject) => {
    const child = fork(MAIN, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const pending: Array<(s: ChildStats) => void> = [];
    child.on('message', (msg: { port?: number; stats?: ChildStats }) => {
      if (msg.port !== undefined) {
        resolve({
          port: msg.port,
          child,
          stats: () =>
            new Promise((res) => {
              pending.push(res);
              child.send({ cmd: 'stats' });
            }),
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null) return res();
              child.once('exit', () => res());
              child.kill('SIGTERM');
            }),
        });
      } else if (msg.stats !== undefined) {
        pending.shift()?.(msg.stats);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child server exited with ${code}`)));
  });
