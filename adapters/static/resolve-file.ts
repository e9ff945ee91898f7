// Finds the file a request names and proves it lies inside the root. The proof
// is the real path: fs.realpath resolves every symlink on the way, and the
// result must be the real root or below it, so a link that leads out is refused
// while one that stays inside is followed. realpath and stat run side by side
// (two thread-pool jobs, one wait), which costs one stat's latency where a
// per-segment lstat walk would cost one per segment. The file is then opened by
// its real path, so what was checked is what is read. When the check fails the
// root's own real path is taken again once: deployments swap a "current"
// symlink above the root, and the mount must follow it rather than refuse all.

import type { Stats } from 'node:fs';
import { contains, dotSegmentRefusal, type Refusal } from './safe-path.js';
import type { StaticConfig } from './options.js';
import { realpath, stat } from './fs-calls.js';

export interface ResolvedFile {
  /** The real path (no symlinks), inside the real root. */
  real: string;
  stats: Stats;
}

/** The file at `fsPath`, or the status refusing it. Errors other than "not there" or "not allowed" are thrown. */
export const resolveFile = async (config: StaticConfig, fsPath: string): Promise<ResolvedFile | Refusal> => {
  let real: string;
  let stats: Stats;
  try {
    [real, stats] = await Promise.all([realpath(fsPath), stat(fsPath)]);
  } catch (err) {
    return refusalFor(err);
  }
  const refusal = await checkReal(config, real);
  return refusal === 0 ? { real, stats } : refusal;
};

/** 0 when `real` may be served: inside the root, and no dot-segment below it unless allowed. */
export const checkReal = async (config: StaticConfig, real: string): Promise<Refusal | 0> => {
  if (!contains(config.realRoot, real)) {
    let root: string;
    try {
      root = await realpath(config.root);
    } catch {
      return 404;
    }
    if (root === config.realRoot || !contains(root, real)) return 404;
    config.realRoot = root;
  }
  // A link inside the root may still point at a dotfile ("notes.txt" → ".env").
  if (config.allowDotfiles) return 0;
  const root = config.realRoot;
  const below = real.slice(root.charCodeAt(root.length - 1) === 47 ? root.length - 1 : root.length);
  return below.indexOf('/.') === -1 ? 0 : dotSegmentRefusal(below, false);
};

/** Maps a file-system failure to the answer a client gets; unexpected ones go up (500). */
export const refusalFor = (err: unknown): Refusal => {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return 404;
    case 'EACCES':
    case 'EPERM':
      return 403;
    default:
      throw err;
  }
};
