// A Fetch handler: (request) => Response.
export default (request) => new Response(`fetch ${new URL(request.url).pathname}`, { headers: { 'content-type': 'text/plain' } });
