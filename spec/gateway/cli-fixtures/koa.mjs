import Koa from 'koa';
const app = new Koa();
app.use((ctx) => {
  ctx.type = 'text/plain';
  ctx.body = `koa ${ctx.path}`;
});
export default app;
