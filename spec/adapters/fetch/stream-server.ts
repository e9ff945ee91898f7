// A child-process Portico for the memory-bound tests (streaming.spec.ts): its
// RSS is its own, so what the tests read is the server's memory, not theirs.
// It serves a Fetch handler: GET /download streams DOWNLOAD_BYTES of a byte
// pattern from a pull-based ReadableStream (counting what was pulled), and POST
// /upload hashes request.body with SHA-256 as it arrives. Over IPC it reports
// its port when listening, and answers { stats: id } with { id, rss, pulled }. Run with
// --serve (the specs also import its constants).

import { createHash } from 'node:crypto';
import { serve } from '../../../gateway/index.js';
import { fetchApp } from '../../../adapters/fetch/index.js';

export const DOWNLOAD_BYTES = 100 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** Byte i of the download is (i * 7) mod 251: cheap to check, not periodic in the chunk size. */
export const patternChunk = (offset: number, length: number): Buffer => {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = ((offset + i) * 7) % 251;
  return b;
};

let pulled = 0;

const download = (): Response => {
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const n = Math.min(CHUNK, DOWNLOAD_BYTES - offset);
        controller.enqueue(patternChunk(offset, n));
        offset += n;
        pulled += n;
        if (offset === DOWNLOAD_BYTES) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(stream, { headers: { 'content-type': 'application/octet-stream' } });
};

const upload = async (request: Request): Promise<Response> => {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return Response.json({ bytes, sha256: hash.digest('hex') });
};

const handler = (request: Request): Response | Promise<Response> => {
  const path = new URL(request.url).pathname;
  if (path === '/download') return download();
  if (path === '/upload' && request.method === 'POST') return upload(request);
  return new Response('not found', { status: 404 });
};

if (process.argv[2] === '--serve' && process.send !== undefined) {
  const server = await serve({ port: 0, host: '127.0.0.1', app: fetchApp(handler) });
  process.on('message', (message) => {
    const id = (message as { stats?: number }).stats;
    if (id !== undefined) process.send!({ id, rss: process.memoryUsage().rss, pulled });
    if (message === 'exit') void server.close().then(() => process.exit(0));
  });
  process.send({ port: server.address.port });
}
