// A Hono app, exported the Workers/Bun way (`export default app`): Portico's
// CLI and fetchApp() take it as it is. Its routes are written for the root;
// the demo mounts it at /hono, and Portico leaves the prefix out of the URL it
// sees (or write `new Hono().basePath('/hono')` and mount it with
// `fetchApp(app, { stripPrefix: false })`).
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';

const app = new Hono();

app.use('*', async (c, next) => {
  const started = performance.now();
  await next();
  c.header('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
});

app.get('/', (c) => c.text('Hello Hono on Portico!\n'));

app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), via: c.env.remoteAddress }));

app.post('/upload', async (c) => {
  const body = await c.req.parseBody();
  const file = body['file'];
  return c.json(file instanceof File ? { name: file.name, size: file.size, type: file.type } : { fields: body });
});

app.get('/visits', (c) => {
  const visits = Number(getCookie(c, 'visits') ?? 0) + 1;
  setCookie(c, 'visits', String(visits), { path: '/', httpOnly: true });
  setCookie(c, 'last', new Date().toISOString(), { path: '/' });
  return c.text(`visit number ${visits}\n`);
});

app.get('/clock', (c) =>
  streamSSE(c, async (stream) => {
    for (let i = 0; i < 10 && !stream.aborted; i++) {
      await stream.writeSSE({ event: 'time', id: String(i), data: new Date().toISOString() });
      await stream.sleep(1000);
    }
  }),
);

export default app;
