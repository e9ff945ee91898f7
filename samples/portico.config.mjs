// The demo of `npm start` (samples/demo.mjs) as a config file for the portico
// command: `npm run portico -- --config samples/portico.config.mjs`. Functions
// are native Portico apps; strings are targets (an app module, its kind
// detected, cgi:DIR, static:DIR, proxy:URL) resolved against this file's
// folder; a file: URL names a module or folder the same way. Adapters called
// here resolve a relative string against the working directory, as node:fs
// does, so they are given `new URL('./dir', import.meta.url)`: the demo works
// from any directory.
import hello from './hello.mjs';
import echo from './echo.mjs';
import inspect from './inspect.mjs';
import { fetchApp } from 'portico/fetch';
import { staticApp } from 'portico/static';
import hono from './hono.mjs';
import fetchHandler from './fetch.mjs';

export default {
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
  status: '/_status',
  mounts: {
    '/hello': hello,
    '/echo': echo,
    '/inspect': inspect,
    '/express': new URL('./express.mjs', import.meta.url),
    '/koa': './koa.mjs',
    '/hono': fetchApp(hono, { stripPrefix: true }),
    '/fetch': fetchApp(fetchHandler),
    '/cgi-bin': 'cgi:./cgi-bin',
    '/': staticApp({ root: new URL('./public', import.meta.url) }),
  },
};
