// Response compression (gzip, brotli) as a wrapper around any app: compress(app).
// serve({ compression: true }) applies it to every mount.
export { compress, type CompressionOptions } from './compress.js';
export { negotiateEncoding, isCompressibleType, type Coding } from './negotiate.js';
