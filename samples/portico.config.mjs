// The demo of `npm start` (samples/demo.mjs) as a config file for the portico
// command: `npx portico --config samples/portico.config.mjs`. Functions are
// native Portico apps; strings are targets (an app module, its kind detected,
// cgi:DIR, static:DIR, proxy:URL) resolved against this file's folder.
import hello from './hello.mjs';
import echo from './echo.mjs';
import inspect from './inspect.mjs';
import { fetchApp } from 'portico/fetch';
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
    '/express': './express.mjs',
    '/koa': './koa.mjs',
    '/hono': fetchApp(hono, { stripPrefix: true }),
    '/fetch': fetchApp(fetchHandler),
    '/cgi-bin': 'cgi:./cgi-bin',
    '/': 'static:./public',
  },
};
