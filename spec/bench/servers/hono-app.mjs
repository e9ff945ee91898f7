// The Hono app served both by @hono/node-server (the Fetch-on-Node reference) and
// by Portico's fetch adapter: the same routes as the other servers.
import { Hono } from 'hono';
import { BODIES, CHUNK, HELLO, STREAM_BYTES } from './common.mjs';

const OCTETS = { 'content-type': 'application/octet-stream' };

export const honoApp = new Hono();
honoApp.get('/hello', (c) => c.text(HELLO));
honoApp.get('/64k', (c) => c.body(BODIES['/64k'], 200, OCTETS));
honoApp.get('/1m', (c) => c.body(BODIES['/1m'], 200, OCTETS));
honoApp.get('/stream', () => {
  let left = STREAM_BYTES;
  const body = new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      left -= CHUNK.length;
      controller.enqueue(CHUNK);
    },
  });
  return new Response(body, { headers: OCTETS });
});
honoApp.post('/echo', (c) => new Response(c.req.raw.body, { headers: { 'content-type': c.req.header('content-type') ?? OCTETS['content-type'] } }));
