// Programs run in a process group of their own (spawn's `detached: true` makes
// the child a group leader, setsid), because CGI programs start children of
// their own (git-http-backend runs git upload-pack, shells run pipelines) and
// stopping only the leader would orphan them. Signals go to the whole group,
// `process.kill(-pgid, sig)`; stopping is SIGTERM, then SIGKILL after a grace
// period for whatever is left. Node reaps the leader (no zombies); members
// outliving it are re-parented to init, which reaps them once killed.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export type StdinSpec = 'ignore' | 'pipe' | number;

export type Program = ChildProcessByStdio<Writable | null, Readable, Readable>;

/** Starts `file` with no arguments (never the query string: CVE-2012-1823) in a new process group. */
export const spawnProgram = (file: string, cwd: string, env: Record<string, string>, stdin: StdinSpec): Program =>
  spawn(file, [], { cwd, env, stdio: [stdin, 'pipe', 'pipe'], detached: true }) as Program;

/** Sends `signal` to every process of the group led by `pgid`; false when none is left. */
export const signalGroup = (pgid: number, signal: NodeJS.Signals): boolean => {
  // kill(-0) would signal Portico's own group: only ever a real leader's pid.
  if (!(pgid > 1)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
};

/** SIGTERM to the group now, SIGKILL to what remains after `graceMs`. */
export const terminateGroup = (pgid: number, graceMs: number): void => {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  setTimeout(signalGroup, graceMs, pgid, 'SIGKILL');
};
