// A { fetch } object, the Bun/Deno/Cloudflare module shape.
export default {
  async fetch(request) {
    return Response.json({ kind: 'fetch-object', method: request.method, path: new URL(request.url).pathname });
  },
};
