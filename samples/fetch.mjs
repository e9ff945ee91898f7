// A plain Fetch handler, `(request, info) => Response`, as Deno.serve or a
// Worker would take it. It routes on the URL as if it lived at "/": Portico
// leaves the mount prefix out (info.scriptName has it). /sse streams Server-Sent Events, one per
// second, each sent the moment it is produced, until the client leaves
// (request.signal) or ten have gone out. /ws is a WebSocket echo, taken the
// way Deno.upgradeWebSocket takes one (`npx wscat -c ws://localhost:8080/fetch/ws`).
const encoder = new TextEncoder();

const sse = (request) => {
  let timer;
  let n = 0;
  const body = new ReadableStream({
    start(controller) {
      const tick = () => {
        controller.enqueue(encoder.encode(`id: ${n}\nevent: tick\ndata: ${JSON.stringify({ n, at: new Date().toISOString() })}\n\n`));
        if (++n === 10) return controller.close();
        timer = setTimeout(tick, 1000);
      };
      tick();
      request.signal.addEventListener('abort', () => clearTimeout(timer));
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
};

export default async function handler(request, info) {
  const path = new URL(request.url).pathname;
  switch (path) {
    case '/':
      return new Response(`Hello from a Fetch handler, ${info.remoteAddress}:${info.remotePort}!\n`);
    case '/sse':
      return sse(request);
    case '/echo':
      // The request body streams straight back (POST /fetch/echo).
      return new Response(request.body, { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } });
    case '/ws': {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('A WebSocket echo: connect with ws://.\n', { status: 426, headers: { upgrade: 'websocket' } });
      const { socket, response } = info.upgradeWebSocket(request);
      socket.onopen = () => socket.send('Hello from a Fetch handler over a WebSocket; I echo what you send.');
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    }
    case '/json':
      return Response.json({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), info });
    default:
      return new Response('Not here.\n', { status: 404 });
  }
}
