import { Hono } from 'hono';
const app = new Hono();
app.get('/hi', (c) => c.text(`hono ${c.req.path}`));
export default app;
