// Shared by the CGI specs: where the test programs live, a logger that
// captures, and process accounting read straight from /proc (no procps needed):
// children of a process, members of a process group, and bounded waits.

import { readdirSync, readFileSync } from 'node:fs';
import type { CgiLogger } from '../../../adapters/cgi/index.js';

/** spec/fixtures/cgi in the source tree (the programs are not compiled). */
export const FIXTURES = new URL('../../../../spec/fixtures/cgi/', import.meta.url).pathname.replace(/\/$/, '');

export interface CapturedLog extends CgiLogger {
  lines: Array<{ message: string; fields: Record<string, unknown> }>;
  text(): string;
}

export const captureLog = (): CapturedLog => {
  const lines: CapturedLog['lines'] = [];
  return {
    lines,
    error(message, fields = {}) {
      lines.push({ message, fields });
    },
    text: () => lines.map((l) => `${l.message} ${JSON.stringify(l.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`).join('\n'),
  };
};

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  comm: string;
}

const readStat = (pid: string): ProcStat | null => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const rest = text.slice(close + 2).split(' ');
    return { pid: Number(pid), comm: text.slice(text.indexOf('(') + 1, close), state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return null; // gone meanwhile
  }
};

const allProcesses = (): ProcStat[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(readStat)
    .filter((s): s is ProcStat => s !== null);

/** Processes whose parent is `pid` (zombies included: they show as state Z). */
export const childrenOf = (pid: number): ProcStat[] => allProcesses().filter((p) => p.ppid === pid);

/**
 * Live processes in the group `pgid`. Zombies are left out: a program's own
 * children outlive it as orphans of init, and reaping those is init's job
 * (some container inits do it with a delay); Portico's own children are
 * checked, zombies included, by childrenOf.
 */
export const groupMembers = (pgid: number): ProcStat[] => allProcesses().filter((p) => p.pgrp === pgid && p.state !== 'Z');

/** The command line of `pid` with spaces between its arguments, or "" once it is gone. */
export const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
};

/** True while `pid` exists (a zombie included). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resident set size of `pid`, in bytes. */
export const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns its last answer. */
export const waitFor = async (check: () => boolean, timeoutMs = 10_000, everyMs = 50): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
};

/** Waits until this process has no child left; returns those that stayed. */
export const noChildrenLeft = async (timeoutMs = 10_000): Promise<ProcStat[]> => {
  await waitFor(() => childrenOf(process.pid).length === 0, timeoutMs);
  return childrenOf(process.pid);
};
