// The demo server behind `npm start`: every sample app, mounted side by side.
// PORT overrides the port (default 8080); HOST the address (default 127.0.0.1).
import { serve } from 'portico';
import hello from './hello.mjs';
import echo from './echo.mjs';
import inspect from './inspect.mjs';
import { staticApp } from 'portico/static';
import { cgiApp } from 'portico/cgi';
import express from './express.mjs';
import koa from './koa.mjs';
import { fetchApp } from 'portico/fetch';
import hono from './hono.mjs';
import fetchHandler from './fetch.mjs';

export const mounts = {
  '/hello': hello,
  '/echo': echo,
  '/inspect': inspect,
  '/express': express,
  '/koa': koa,
  '/hono': fetchApp(hono),
  '/fetch': fetchApp(fetchHandler),
  // file: URLs name folders next to this file, wherever the server is started from.
  '/cgi-bin': cgiApp({ root: new URL('./cgi-bin', import.meta.url) }),
  '/': staticApp({ root: new URL('./public', import.meta.url) }),
};

const server = await serve({
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST ?? '127.0.0.1',
  mounts,
});
console.log(`Portico demo listening on ${server.url}`);
for (const prefix of Object.keys(mounts)) console.log(`  ${server.url}${prefix}`);

const stop = () => server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
