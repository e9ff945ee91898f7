// An unmodified Koa app (its callback() is a node:http handler), hosted by
// Portico through portico/node's nodeApp. Mounted by the demo at /koa.
import Koa from 'koa';
import { nodeApp } from 'portico/node';

export const app = new Koa();

app.use(async (ctx, next) => {
  const started = Date.now();
  await next();
  ctx.set('X-Response-Time', `${Date.now() - started}ms`);
});

app.use(async (ctx) => {
  if (ctx.path === '/json') {
    ctx.body = { method: ctx.method, path: ctx.path, query: ctx.query, ip: ctx.ip };
    return;
  }
  // ctx.originalUrl is Koa's copy of req.url (inside the mount); Portico keeps the full target on req.originalUrl.
  ctx.body = `Hello from Koa at ${ctx.req.originalUrl} (try ./json?x=1)\n`;
});

export default nodeApp(app.callback());
