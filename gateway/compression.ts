// serve({ compression }) : wraps the app of every mount whose `compression` is
// on (the top-level value is each mount's default, and a mount may set its own,
// `{ app, compression: false }`) in compress() (adapters/middleware/compression:
// middleware around any app, not an adapter), keeping the mount's other options.
// Compression is a per-app wrapper rather than part of the engine so that a
// mount can opt out and the engine stays byte-exact.

import type { App } from '../adapters/env.js';
import { compress, type CompressionOptions } from '../adapters/middleware/compression/index.js';
import type { MountTable } from './router.js';

export type { CompressionOptions };

export const compressMounts = (table: MountTable): MountTable => {
  const out: MountTable = {};
  for (const [prefix, spec] of Object.entries(table)) {
    const options = typeof spec === 'function' ? undefined : spec.compression;
    out[prefix] = typeof spec === 'function' || !options ? spec : { ...spec, app: compress(spec.app as App, options === true ? {} : options) };
  }
  return out;
};
