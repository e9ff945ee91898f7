// Fastify 5 on portico/node through its `serverFactory` option, the way Fastify
// documents running on another server: Fastify then drives the server itself
// (listen(), address(), 'clientError', closeIdleConnections(), close(), and a
// second server from the factory when 'localhost' has two addresses). Routes,
// JSON and streamed bodies, hooks, reply.hijack(), streamed replies and
// fastify.close() as Fastify's users write them, with real clients. Every test
// runs on node:http's createServer too (both-servers.ts), which is how these
// tests were checked: both runs pass on node:http.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ExecutionContext } from 'ava';
import { Client, request } from 'undici';
import { exchange } from '../../helpers/raw-client.js';
import { header, parseResponses, type RawResponse } from '../../helpers/response-reader.js';
import { heldRequest, onBothServers, once, type Side } from './both-servers.js';

/** A Fastify app on the side's server; closed when the test ends. */
const fastifyOn = (t: ExecutionContext, side: Side, options: { logger?: boolean } = {}): FastifyInstance => {
  const app = Fastify({
    logger: options.logger ?? false,
    serverFactory: (handler) => side.createServer((req, res) => handler(req, res)),
  });
  t.teardown(async () => {
    app.server.closeAllConnections?.();
    await app.close();
  });
  return app;
};

const listenLocal = async (app: FastifyInstance): Promise<string> => app.listen({ port: 0, host: '127.0.0.1' });

onBothServers('serverFactory: routes, params, query, JSON bodies, schema validation, 404, and fastify.close()', async (t, s) => {
  const app = fastifyOn(t, s);
  let created = 0;
  app.addHook('onReady', async () => void created++);
  app.get<{ Params: { id: string }; Querystring: { full?: string } }>('/users/:id', async (req) => ({
    id: req.params.id,
    full: req.query.full === '1',
    ip: req.ip,
    host: req.host,
    protocol: req.protocol,
    url: req.url,
  }));
  app.post<{ Body: { name: string; tags: string[] } }>(
    '/users',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, tags: { type: 'array' } } } } },
    async (req, reply) => reply.code(201).header('location', `/users/${req.body.name}`).send({ created: req.body }),
  );
  const url = await listenLocal(app);
  t.is(created, 1);
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(new URL(url).port);
  t.deepEqual(app.server.address(), { address: '127.0.0.1', family: 'IPv4', port });

  const got = await request(`${url}/users/42?full=1`);
  t.is(got.statusCode, 200);
  t.regex(String(got.headers['content-type']), /^application\/json/);
  t.deepEqual(await got.body.json(), { id: '42', full: true, ip: '127.0.0.1', host: `127.0.0.1:${port}`, protocol: 'http', url: '/users/42?full=1' });

  const posted = await request(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ada', tags: ['x', 'y'] }),
  });
  t.is(posted.statusCode, 201);
  t.is(posted.headers.location, '/users/ada');
  t.deepEqual(await posted.body.json(), { created: { name: 'ada', tags: ['x', 'y'] } });

  const invalid = await request(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tags":[]}' });
  t.is(invalid.statusCode, 400);
  t.like(await invalid.body.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', message: "body must have required property 'name'" });

  const broken = await request(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
  t.is(broken.statusCode, 400);
  t.like(await broken.body.json(), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' });

  const missing = await request(`${url}/nowhere`);
  t.is(missing.statusCode, 404);
  t.like(await missing.body.json(), { message: 'Route GET:/nowhere not found' });

  await app.close();
  t.false(app.server.listening);
  t.deepEqual(s.errors, []);
});

onBothServers('hooks: onRequest, preHandler answering early, onSend rewriting the payload, onResponse after the reply, onClose', async (t, s) => {
  const app = fastifyOn(t, s);
  const log: string[] = [];
  app.addHook('onRequest', async (req) => void log.push(`onRequest ${req.method} ${req.url}`));
  app.addHook('preHandler', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer ok') return reply.code(401).send({ error: 'who are you?' });
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-hooked', 'yes');
    return typeof payload === 'string' ? payload.replace('secret', '[redacted]') : payload;
  });
  app.addHook('onResponse', async (req, reply) => void log.push(`onResponse ${req.url} ${reply.statusCode} sent=${reply.sent}`));
  app.addHook('onClose', async () => void log.push('onClose'));
  app.get('/data', async () => ({ value: 'secret' }));
  const url = await listenLocal(app);

  const denied = await request(`${url}/data`);
  t.is(denied.statusCode, 401);
  t.is(denied.headers['x-hooked'], 'yes');
  t.deepEqual(await denied.body.json(), { error: 'who are you?' });

  const ok = await request(`${url}/data`, { headers: { authorization: 'Bearer ok' } });
  t.is(ok.statusCode, 200);
  t.deepEqual(await ok.body.json(), { value: '[redacted]' });

  await app.close();
  t.deepEqual(log, ['onRequest GET /data', 'onResponse /data 401 sent=true', 'onRequest GET /data', 'onResponse /data 200 sent=true', 'onClose']);
});

onBothServers('streams: a request body read as a stream, a streamed reply the client reads while it is produced, reply.hijack()', async (t, s) => {
  const app = fastifyOn(t, s);
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.put('/digest', async (req) => {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of req.body as Readable) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { bytes, sha256: hash.digest('hex') };
  });
  // The second chunk is produced only once the client has read the first one.
  let firstSeen!: () => void;
  const clientGotFirst = new Promise<void>((resolve) => (firstSeen = resolve));
  app.get('/ticks', async (_req, reply) => {
    async function* ticks() {
      yield 'tick 1\n';
      await clientGotFirst;
      yield 'tick 2\n';
    }
    return reply.type('text/plain').send(Readable.from(ticks()));
  });
  app.get('/raw', (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'x-raw': 'yes' });
    reply.raw.end(`raw from ${req.raw.url}`);
  });
  const url = await listenLocal(app);

  const body = Buffer.alloc(3 * 1024 * 1024 + 17, 'portico');
  const digest = await request(`${url}/digest`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]) });
  t.deepEqual(await digest.body.json(), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });

  const ticks = await request(`${url}/ticks`);
  t.is(ticks.headers['transfer-encoding'], 'chunked');
  const reader = ticks.body[Symbol.asyncIterator]();
  const first = await reader.next();
  t.is(Buffer.from(first.value as Buffer).toString(), 'tick 1\n');
  firstSeen();
  let rest = '';
  for (let next = await reader.next(); !next.done; next = await reader.next()) rest += Buffer.from(next.value as Buffer).toString();
  t.is(rest, 'tick 2\n');

  const raw = await request(`${url}/raw?q=1`);
  t.is(raw.headers['x-raw'], 'yes');
  t.is(await raw.body.text(), 'raw from /raw?q=1');
  t.deepEqual(s.errors, []);
});

onBothServers('fastify.close(): an idle keep-alive connection does not hold it up', async (t, s) => {
  const app = fastifyOn(t, s);
  app.get('/fast', async () => 'fast');
  const url = await listenLocal(app);
  const idle = new Client(url);
  t.teardown(() => idle.destroy());
  t.is(await (await idle.request({ path: '/fast', method: 'GET' })).body.text(), 'fast');
  // Without Fastify's closeIdleConnections() the connection would hold close() for keepAliveTimeout (5 s).
  const startedClosing = Date.now();
  await app.close();
  t.true(Date.now() - startedClosing < 3_000, `close() took ${Date.now() - startedClosing} ms`);
  t.false(app.server.listening);
});

onBothServers('fastify.close(): a request in flight finishes first, then close() resolves', async (t, s) => {
  const app = fastifyOn(t, s);
  const { started, release, hold } = heldRequest();
  app.get('/slow', async () => {
    await hold();
    return 'slow';
  });
  const url = await listenLocal(app);
  const busy = new Client(url);
  t.teardown(() => busy.destroy());
  const inFlight = busy.request({ path: '/slow', method: 'GET' });
  await started;
  let closed = false;
  const closing = app.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(closed, 'close() waits for the request in flight');
  t.false(app.server.listening, 'no new connections meanwhile');
  release();
  const res = await inFlight;
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), 'slow');
  // node:http keeps the finished connection until keepAliveTimeout; this client leaves at once.
  await busy.close();
  await closing;
  t.true(closed);
});

onBothServers(
  'fastify.close(): the next request on a kept connection reaches Fastify, which answers 503 with Connection: close',
  async (t, s) => {
    const app = fastifyOn(t, s);
    const { started, release, hold } = heldRequest();
    app.get('/slow', async () => {
      await hold();
      return 'slow';
    });
    app.get('/fast', async () => 'fast');
    const port = Number(new URL(await listenLocal(app)).port);
    const socket = net.connect(port, '127.0.0.1');
    t.teardown(() => socket.destroy());
    let received = Buffer.alloc(0);
    let ended = false;
    const arrived = new EventEmitter();
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      arrived.emit('change');
    });
    socket.on('close', () => {
      ended = true;
      arrived.emit('change');
    });
    const responses = async (n: number): Promise<RawResponse[]> => {
      for (;;) {
        const { responses } = parseResponses(received, ended);
        if (responses.length >= n || ended) return responses;
        await once(arrived, 'change');
      }
    };
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;
    const closing = app.close();
    // Fastify closes the server after its preClose hooks: let it, then finish the response.
    for (let i = 0; i < 100 && app.server.listening; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    t.false(app.server.listening);
    release();
    const [slow] = await responses(1);
    t.is(slow?.body.toString(), 'slow');
    // As on node:http, the connection stays open after close() (until keepAliveTimeout):
    // a client that reuses it is answered by the framework, not dropped.
    t.false(ended, 'the connection stays open after the response');
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    const [, refused] = await responses(2);
    t.is(refused?.status, 503);
    t.is(refused && header(refused, 'connection'), 'close');
    t.like(JSON.parse(refused?.body.toString() ?? 'null'), { statusCode: 503 });
    await closing;
  },
);

onBothServers("malformed requests reach Fastify's 'clientError' handler, which answers them itself", async (t, s) => {
  const app = fastifyOn(t, s);
  app.get('/', async () => 'root');
  const port = Number(new URL(await listenLocal(app)).port);
  // Fastify's defaultClientErrorHandler writes these bytes on the socket and destroys it.
  const fastifyAnswer = (status: string, body: string): string =>
    `HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`;
  // settleMs: wait for the server to close, not just for a complete response.
  const badHeader = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', { settleMs: 5_000 });
  t.true(badHeader.closed);
  t.is(badHeader.bytes.toString('latin1'), fastifyAnswer('400 Bad Request', '{"error":"Bad Request","message":"Client Error","statusCode":400}'));
  // Beyond node's default maxHeaderSize (16 KiB), which Portico's createServer keeps.
  const hugeHead = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, { settleMs: 5_000 });
  t.true(hugeHead.closed);
  t.is(
    hugeHead.bytes.toString('latin1'),
    fastifyAnswer('431 Request Header Fields Too Large', '{"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}'),
  );
  // The server still serves.
  t.is(await (await request(`http://127.0.0.1:${port}/`)).body.text(), 'root');
});

onBothServers("listen() on 'localhost' binds each of its addresses, the second through serverFactory again", async (t, s) => {
  const app = fastifyOn(t, s);
  app.get('/where', async (req) => ({ local: req.socket.localAddress }));
  await app.listen({ port: 0, host: 'localhost' });
  const addresses = app.addresses() as AddressInfo[];
  t.true(addresses.some((a) => a.address === '127.0.0.1'), JSON.stringify(addresses));
  t.is(new Set(addresses.map((a) => a.port)).size, 1, 'one port for all');
  for (const a of addresses) {
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    const res = await request(`http://${host}:${a.port}/where`);
    t.deepEqual(await res.body.json(), { local: a.address });
  }
  await app.close();
  t.false(app.server.listening);
});

onBothServers('a client that aborts mid-request runs the onRequestAbort hook; req.aborted is true', async (t, s) => {
  const app = fastifyOn(t, s);
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let abortSeen!: (v: { aborted: boolean; url: string }) => void;
  const aborted = new Promise<{ aborted: boolean; url: string }>((resolve) => (abortSeen = resolve));
  app.addHook('onRequestAbort', async (req) => abortSeen({ aborted: req.raw.aborted, url: req.url }));
  app.get('/wait', async () => {
    markStarted();
    await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    return 'too late';
  });
  const url = await listenLocal(app);
  const controller = new AbortController();
  const pending = request(`${url}/wait?n=1`, { signal: controller.signal }).catch((err: Error) => err);
  await started;
  controller.abort();
  t.is((await pending as Error).name, 'AbortError');
  const seen = await Promise.race([aborted, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
  t.deepEqual(seen, { aborted: true, url: '/wait?n=1' });
});

onBothServers("server.setTimeout(ms): an idle request's socket times out and Fastify's onTimeout hook runs", async (t, s) => {
  const app = fastifyOn(t, s);
  let timedOut!: (url: string) => void;
  const onTimeout = new Promise<string>((resolve) => (timedOut = resolve));
  app.addHook('onTimeout', async (req) => timedOut(req.url));
  app.get('/stuck', async () => {
    await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    return 'too late';
  });
  // Counted from the connection: long enough for the request to reach the route on a loaded machine.
  app.server.setTimeout(1_500);
  const url = await listenLocal(app);
  const startedAt = Date.now();
  const failed = await request(`${url}/stuck`).then(
    () => null,
    (err: Error & { code?: string }) => err.code,
  );
  // No 'timeout' listener on the server: node destroys the socket.
  // The socket is destroyed: undici sees it closed (FIN) or reset (RST), as the timing falls.
  t.true(failed === 'UND_ERR_SOCKET' || failed === 'ECONNRESET', String(failed));
  t.is(await Promise.race([onTimeout, new Promise((resolve) => setTimeout(() => resolve('no onTimeout within 5 s'), 5_000))]), '/stuck');
  t.true(Date.now() - startedAt < 6_000);
});
