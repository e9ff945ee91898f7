// A Hono app written to live at "/", as a new user writes one: routes on its
// own paths and redirects with c.redirect('/x'). Mounted at /hono it must work
// unchanged.
import { Hono } from 'hono';
const app = new Hono();
app.get('/', (c) => c.text(`root ${c.req.path} prefix=${c.req.header('x-forwarded-prefix') ?? ''}`));
app.get('/go', (c) => c.redirect('/x'));
app.get('/x', (c) => c.text(`x ${c.req.path}`));
export default app;
