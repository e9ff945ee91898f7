// The machine a run was taken on, for RESULTS.md: cores, CPU model, memory, Node,
// and the load average, since a loaded machine makes every number noisier.

import os from 'node:os';
import { readFileSync } from 'node:fs';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  loadAverage: string;
}

const cpuModel = (): string => {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // not Linux: fall back to what os reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
};

export const describeMachine = (): Machine => ({
  nproc: os.availableParallelism(),
  cpuModel: cpuModel(),
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  kernel: `${os.type()} ${os.release()}`,
  loadAverage: os.loadavg().map((v) => v.toFixed(2)).join(' '),
});
