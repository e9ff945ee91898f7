// One server under test: started pinned to the server core, considered up when it
// prints "ready" (or, for servers that print nothing useful, when its port
// accepts), reported unavailable when it prints "unavailable: <why>" (an adapter
// that has not landed, a peer program not installed). Its memory is read from
// /proc/<pid>/status: VmHWM is the kernel's own peak-RSS mark, so nothing needs
// to be polled. A wrapper that starts the real server (nginx) prints
// "serving-pid N", and that process is the one measured.

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { SERVER_CORE, spawnPinned, type SpawnOptions } from './pinned.js';

export interface ServerSpec {
  /** Display name, unique within a scenario. */
  name: string;
  /** Counts as Portico (the subject) rather than a peer. */
  portico: boolean;
  /** The command, given the port (and flags for node, e.g. --cpu-prof, where it is a node server). */
  command: (port: number, nodeFlags?: readonly string[]) => string[];
  cwd?: string;
  /** How to know it is listening: a "ready" line (default) or an accepting port. */
  readiness?: 'line' | 'tcp';
}

export class Unavailable extends Error {}

export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The line of a crash report that says what went wrong ("SyntaxError: ..."), else its last line. */
const firstError = (output: string): string => {
  const lines = output.trim().split('\n');
  return (lines.find((l) => /^\w*Error\b|^Error \[/.test(l)) ?? lines.at(-1) ?? '').slice(0, 240);
};

/** A free TCP port on 127.0.0.1 (taken from the kernel, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

export class ServerProcess {
  private output = '';
  private collectedLines = 0;
  private servingPid: number | undefined;

  private constructor(
    readonly spec: ServerSpec,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.output = (this.output + s).slice(-4096);
      this.servingPid ??= Number(/^serving-pid (\d+)$/m.exec(this.output)?.[1]) || undefined;
      this.collectedLines += s.match(/^collected$/gm)?.length ?? 0;
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.output = (this.output + s).slice(-4096)));
  }

  static async start(spec: ServerSpec, options: SpawnOptions & { nodeFlags?: readonly string[] } = {}): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawnPinned(SERVER_CORE, spec.command(port, options.nodeFlags), { cwd: spec.cwd, env: options.env });
    const server = new ServerProcess(spec, port, child);
    await server.waitUntilUp(20_000);
    return server;
  }

  /** The process whose CPU and memory are the server's: the child, or the one it names ("serving-pid N", e.g. nginx under its wrapper). */
  get pid(): number {
    return this.servingPid ?? this.child.pid!;
  }

  private async waitUntilUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const unavailable = /^unavailable: (.*)$/m.exec(this.output);
      if (unavailable) throw new Unavailable(unavailable[1]);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`exited (${this.child.exitCode ?? this.child.signalCode}): ${firstError(this.output)}`);
      }
      if (this.spec.readiness === 'tcp' ? await canConnect(this.port) : /^ready$/m.test(this.output)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`not ready within ${timeoutMs} ms: ${firstError(this.output)}`);
  }

  /** A field of /proc/<pid>/status, in KiB (VmRSS now, VmHWM the peak). */
  memoryKiB(field: 'VmRSS' | 'VmHWM'): number | undefined {
    try {
      const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU seconds the server used so far, its reaped children (CGI programs)
   * included: /proc/<pid>/stat utime + stime + cutime + cstime (proc(5)).
   */
  cpuSeconds(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state); utime..cstime are fields 14..17.
      return fields.slice(11, 15).reduce((sum, v) => sum + Number(v), 0) / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  }

  /** Waits (up to `maxMs`) until the server stops burning CPU, e.g. on the backlog a warm-up left. */
  async quiet(maxMs = 3_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = this.cpuSeconds();
    while (last !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const now = this.cpuSeconds();
      if (now === undefined || now - last <= 0.011) return;
      last = now;
    }
  }

  /** A full garbage collection in a node server started with --expose-gc (SIGUSR2, see servers/common.mjs); false when it cannot. */
  async collectGarbage(timeoutMs = 5_000): Promise<boolean> {
    const seen = this.collections;
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (/^no-gc$/m.test(this.output)) return false;
      if (this.collections > seen) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  private get collections(): number {
    return this.collectedLines;
  }

  /** Last lines the server printed (for failure notes). */
  get log(): string {
    return this.output.trim();
  }

  /** SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
