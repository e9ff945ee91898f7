// The curl binary as a test client: spawned against a real Portico, its
// response head written to a temporary file (-D) and the body to stdout, so a
// spec sees exactly what curl received. Specs using it declare needs('curl').

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CurlResult {
  status: number;
  /** The last head's fields (after redirects curl followed), lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
  /** curl's exit status (0 when the transfer worked). */
  exitCode: number;
  stderr: string;
}

/** Runs `curl -s -S -D HEADFILE ...args`; resolves even when curl fails (see exitCode). */
export const curl = (args: readonly string[], timeoutSeconds = 20): Promise<CurlResult> =>
  new Promise((resolve) => {
    const headFile = path.join(os.tmpdir(), `portico-curl-${process.pid}-${process.hrtime.bigint()}.txt`);
    execFile('curl', ['-s', '-S', '--max-time', String(timeoutSeconds), '-D', headFile, ...args], { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      let text = '';
      try {
        text = fs.readFileSync(headFile, 'latin1');
        fs.rmSync(headFile);
      } catch {
        // curl wrote no head (connection refused, empty reply).
      }
      const heads = text.trim().split(/\r\n\r\n/);
      const lines = heads[heads.length - 1]!.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const exitCode = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ status: Number(lines[0]!.split(' ')[1] ?? 0), headers, body: stdout, exitCode, stderr: stderr.toString() });
    });
  });
