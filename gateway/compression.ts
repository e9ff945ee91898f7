// serve({ compression }) : wraps every app of a mount table in compress()
// (adapters/middleware/compression: middleware around any app, not an adapter),
// keeping each mount's other options. Compression is a
// per-app wrapper rather than part of the engine so that a mount can opt out
// (mount its app with compress() or without) and the engine stays byte-exact.

import type { App } from '../adapters/env.js';
import { compress, type CompressionOptions } from '../adapters/middleware/compression/index.js';
import type { MountTable } from './router.js';

export type { CompressionOptions };

export const compressMounts = (table: MountTable, options: true | CompressionOptions): MountTable => {
  const config = options === true ? {} : options;
  const out: MountTable = {};
  for (const [prefix, spec] of Object.entries(table)) {
    out[prefix] = typeof spec === 'function' ? compress(spec as App, config) : { ...spec, app: compress(spec.app, config) };
  }
  return out;
};
