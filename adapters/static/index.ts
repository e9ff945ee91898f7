// portico/static: serve files from a directory, as an app of the gateway interface.
//
//   import { staticApp } from 'portico/static';
//   serve({ mounts: { '/': staticApp({ root: './public', cacheControl: 'public, max-age=600' }) } });
export { staticApp } from './static-app.js';
export { StaticOptionsError, type StaticOptions, type StaticOptionsErrorCode } from './options.js';
export { MIME_TYPES, DEFAULT_MIME_TYPE, MimeTable } from './mime-types.js';
export { FileChangedError } from './send-file.js';
