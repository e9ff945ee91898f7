// Bun's WebSocket convention through fetchApp, mounted at /f: the handler calls
// info.upgrade(request, { data, headers }) (Bun's server.upgrade) and the
// `websocket` handlers serve the connection. Real ws clients: text and binary,
// ws.data, ping/pong both ways, close codes both ways, the message size limit,
// send()'s backpressure answers with `drain` and a reader that does not read,
// the backpressure limit, topics, handler failures, and Hono's own Bun adapter
// code (hono/bun's websocket module) running against it.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import test from 'ava';
import { Hono } from 'hono';
import { CloseEvent as UndiciCloseEvent } from 'undici';
import type { FetchInfo, ServerWebSocket, WebSocketHandler } from '../../../adapters/fetch/index.js';
import { eventually, serveFetch, sleep } from './helpers.js';
import { connect, wsUrl } from './ws-client.js';

type Data = { user: string };

/** A Bun-style module: upgrade every handshake with ws.data = { user }, a plain answer otherwise. */
const bunModule = (websocket: WebSocketHandler<Data>, headers?: Record<string, string>) => ({
  fetch(request: Request, server: FetchInfo): Response | undefined {
    if (server.upgrade(request, { data: { user: new URL(request.url).searchParams.get('user') ?? 'anon' }, headers })) return undefined;
    return new Response('not a websocket', { status: 400 });
  },
  websocket,
});

test('open, text and binary messages, ws.data, and the 101 fields, under the mount prefix', async (t) => {
  const { url } = await serveFetch(
    t,
    bunModule(
      {
        open(ws) {
          ws.send(`welcome ${ws.data.user} from ${ws.remoteAddress}`);
        },
        message(ws, message) {
          if (typeof message === 'string') ws.send(`${ws.data.user}: ${message}`);
          else ws.send(Buffer.concat([message as Buffer, Buffer.from([0xff])]));
        },
      },
      { 'set-cookie': 'seen=1' },
    ) as never,
  );
  const c = await connect(wsUrl(url, '/f/room?user=ada'));
  t.is(c.headers['set-cookie']?.[0], 'seen=1');
  t.is((await c.next()).text, 'welcome ada from 127.0.0.1');
  c.ws.send('hi');
  t.is((await c.next()).text, 'ada: hi');
  c.ws.send(Buffer.from([1, 2]));
  const bin = await c.next();
  t.deepEqual([[...bin.data], bin.isBinary], [[1, 2, 0xff], true]);
  c.ws.close();
});

test('binaryType picks what binary messages are: Buffer, ArrayBuffer or Uint8Array', async (t) => {
  const kinds: string[] = [];
  const { url } = await serveFetch(
    t,
    bunModule({
      message(ws, message) {
        kinds.push(`${Object.getPrototypeOf(message).constructor.name}:${(message as ArrayBuffer).byteLength}`);
        ws.binaryType = ws.binaryType === 'nodebuffer' ? 'arraybuffer' : 'uint8array';
      },
    }) as never,
  );
  const c = await connect(wsUrl(url, '/f/'));
  for (let i = 0; i < 3; i++) c.ws.send(Buffer.alloc(5));
  await eventually(() => kinds.length === 3);
  t.deepEqual(kinds, ['Buffer:5', 'ArrayBuffer:5', 'Uint8Array:5']);
  c.ws.close();
});

test('ping and pong both ways reach the handlers and the client', async (t) => {
  const seen: string[] = [];
  const { url } = await serveFetch(
    t,
    bunModule({
      message(ws) {
        ws.ping('from server');
      },
      ping(_ws, data) {
        seen.push(`ping ${data.toString()}`);
      },
      pong(_ws, data) {
        seen.push(`pong ${data.toString()}`);
      },
    }) as never,
  );
  const c = await connect(wsUrl(url, '/f/'));
  const pong = new Promise<string>((resolve) => c.ws.once('pong', (d) => resolve(d.toString())));
  c.ws.ping('from client');
  t.is(await pong, 'from client');
  c.ws.send('ping me');
  await eventually(() => seen.length === 2);
  t.deepEqual(seen, ['ping from client', 'pong from server']);
  c.ws.close();
});

test('close codes both ways, and messages over maxPayloadLength close with 1009', async (t) => {
  const closes: Array<[number, string]> = [];
  const { url } = await serveFetch(
    t,
    bunModule({
      maxPayloadLength: 1024,
      message(ws, message) {
        if (message === 'go away') ws.close(4002, 'told to');
      },
      close(_ws, code, reason) {
        closes.push([code, reason]);
      },
    }) as never,
  );
  const a = await connect(wsUrl(url, '/f/'));
  a.ws.close(4000, 'client bye');
  t.deepEqual(await a.closed, { code: 4000, reason: 'client bye' });
  const b = await connect(wsUrl(url, '/f/'));
  b.ws.send('go away');
  t.deepEqual(await b.closed, { code: 4002, reason: 'told to' });
  const c = await connect(wsUrl(url, '/f/'));
  c.ws.send('x'.repeat(2000));
  t.is((await c.closed).code, 1009);
  // The server's handler hears of that one as 1006: ws stops reading once it sends its 1009.
  await eventually(() => closes.length === 3);
  t.deepEqual(closes.slice(0, 2), [[4000, 'client bye'], [4002, 'told to']]);
});

test('backpressure: send() answers -1 behind a reader that does not read, drain resumes, memory stays bounded', async (t) => {
  const CHUNK = 64 * 1024;
  const COUNT = 400; // 25 MiB, more than the loopback's socket buffers hold
  let sent = 0;
  let refusals = 0;
  let drains = 0;
  let maxBuffered = 0;
  const pump = (ws: ServerWebSocket<Data>): void => {
    const chunk = Buffer.alloc(CHUNK);
    while (sent < COUNT) {
      chunk[0] = sent % 256;
      const result = ws.send(chunk);
      t.not(result, 0);
      sent++;
      maxBuffered = Math.max(maxBuffered, ws.getBufferedAmount());
      if (result === -1) {
        refusals++;
        return;
      }
    }
  };
  const { url } = await serveFetch(
    t,
    bunModule({
      open: pump,
      drain(ws) {
        drains++;
        pump(ws);
      },
      message() {},
    }) as never,
  );
  const c = await connect(wsUrl(url, '/f/'));
  c.ws.pause();
  await eventually(() => refusals > 0);
  await sleep(200);
  const stalledAt = sent;
  await sleep(100);
  t.is(sent, stalledAt, 'the sender waits for drain');
  t.true(stalledAt < COUNT, `sent ${stalledAt} of ${COUNT}`);
  // What waits in the process is at most one message past the socket's high-water mark.
  t.true(maxBuffered <= CHUNK + 16 * 1024 + 16, `buffered ${maxBuffered}`);
  c.ws.resume();
  for (let i = 0; i < COUNT; i++) {
    const m = await c.next();
    if (m.data.length !== CHUNK || m.data[0] !== i % 256) return t.fail(`message ${i} wrong`);
  }
  t.true(drains > 0);
  c.ws.close();
});

test('backpressureLimit: past it send() drops (0), and closeOnBackpressureLimit closes with 1008', async (t) => {
  const results: number[] = [];
  const { url } = await serveFetch(
    t,
    bunModule({
      backpressureLimit: 256 * 1024,
      closeOnBackpressureLimit: true,
      message(ws) {
        const chunk = Buffer.alloc(64 * 1024);
        for (let i = 0; i < 200; i++) {
          const r = ws.send(chunk);
          results.push(r);
          if (r === 0) return;
        }
      },
    }) as never,
  );
  const c = await connect(wsUrl(url, '/f/'));
  c.ws.pause();
  c.ws.send('flood me');
  await eventually(() => results.includes(0));
  t.true(results.length < 200);
  c.ws.resume();
  t.is((await c.closed).code, 1008);
});

test('topics: publish reaches the other subscribers, not the publisher; subscriptions end with the connection', async (t) => {
  let room: Set<ServerWebSocket<Data>> | undefined;
  const { url } = await serveFetch(
    t,
    bunModule({
      open(ws) {
        ws.subscribe('lobby');
        ws.send(`joined ${ws.isSubscribed('lobby')} ${ws.subscriptions.join(',')}`);
      },
      message(ws, message) {
        ws.publish('lobby', `${ws.data.user}: ${String(message)}`);
      },
      close(ws) {
        room = new Set([ws]);
      },
    }) as never,
  );
  const a = await connect(wsUrl(url, '/f/?user=a'));
  const b = await connect(wsUrl(url, '/f/?user=b'));
  t.is((await a.next()).text, 'joined true lobby');
  t.is((await b.next()).text, 'joined true lobby');
  a.ws.send('hello all');
  t.is((await b.next()).text, 'a: hello all');
  b.ws.close();
  await eventually(() => room !== undefined);
  t.deepEqual([...room!][0]!.subscriptions, []);
  a.ws.send('anyone?');
  await sleep(50);
  a.ws.close();
});

test("info.publish (Bun's server.publish) reaches an app's subscribers from an ordinary request", async (t) => {
  const { url } = await serveFetch(t, {
    fetch(request: Request, server: FetchInfo) {
      if (server.upgrade(request)) return undefined;
      return new Response(String(server.publish('news', `flash: ${new URL(request.url).searchParams.get('m')}`)));
    },
    websocket: {
      open: (ws: ServerWebSocket) => (ws.subscribe('news'), ws.send('subscribed')),
      message() {},
    },
  } as never);
  const a = await connect(wsUrl(url, '/f/'));
  const b = await connect(wsUrl(url, '/f/'));
  t.is((await a.next()).text, 'subscribed');
  t.is((await b.next()).text, 'subscribed');
  const res = await fetch(url + '/f/post?m=hi');
  t.is(await res.text(), String('flash: hi'.length));
  t.is((await a.next()).text, 'flash: hi');
  t.is((await b.next()).text, 'flash: hi');
  a.ws.close();
  b.ws.close();
});

test('perMessageDeflate: true compresses when the client offers it', async (t) => {
  const { url } = await serveFetch(t, bunModule({ perMessageDeflate: true, message: (ws, m) => ws.send(String(m).repeat(100), true) }) as never);
  const c = await connect(wsUrl(url, '/f/'), { perMessageDeflate: true });
  t.regex(String(c.headers['sec-websocket-extensions']), /^permessage-deflate/);
  c.ws.send('abc');
  t.is((await c.next()).text, 'abc'.repeat(100));
  c.ws.close();
});

test('a handler that throws is logged with the mount and its connection closed with 1011', async (t) => {
  const server = await serveFetch(
    t,
    bunModule({
      message() {
        throw new Error('handler bug');
      },
    }) as never,
  );
  const c = await connect(wsUrl(server.url, '/f/'));
  c.ws.send('boom');
  t.is((await c.closed).code, 1011);
  t.true(server.errors.some((line) => line.includes('WebSocket handler failed') && line.includes('"mount":"/f"') && line.includes('handler bug')), server.errors.join('\n'));
});

test('info.upgrade() without websocket handlers throws ERR_NO_WEBSOCKET_HANDLER (a 500)', async (t) => {
  const server = await serveFetch(t, (request: Request, info: FetchInfo) => (info.upgrade(request) ? new Response(null) : new Response('plain')));
  const err = await t.throwsAsync(connect(wsUrl(server.url, '/f/')));
  t.is((err as unknown as { status: number }).status, 500);
  t.true(server.errors.some((line) => line.includes('ERR_NO_WEBSOCKET_HANDLER') || line.includes('needs websocket handlers')));
});

// `hono/bun` itself cannot be imported on Node (its SSG module reads the global
// Bun when loaded), so its websocket module is loaded by path: the code a Hono
// app written for Bun runs, against Portico's info.upgrade and ServerWebSocket.
const honoBunWebsocket = async (): Promise<{ upgradeWebSocket: (...a: unknown[]) => never; websocket: WebSocketHandler<never> }> => {
  const honoMain = createRequire(import.meta.url).resolve('hono');
  const file = path.join(path.dirname(honoMain), 'adapter/bun/websocket.js');
  return import(pathToFileURL(file).href);
};

test("Hono's Bun adapter code (upgradeWebSocket and websocket of hono/bun) runs on it unchanged", async (t) => {
  const { upgradeWebSocket, websocket } = await honoBunWebsocket();
  // Its close handler builds a global CloseEvent, which Node has from version 23 (undici's class).
  (globalThis as { CloseEvent?: unknown }).CloseEvent ??= UndiciCloseEvent;
  const events: string[] = [];
  const app = new Hono();
  app.get(
    '/ws',
    upgradeWebSocket(() => ({
      onOpen: (_e: Event, ws: { send(s: string): void }) => ws.send('hono says hi'),
      onMessage: (e: MessageEvent, ws: { send(s: string | ArrayBuffer): void }) => {
        events.push(typeof e.data === 'string' ? `text ${e.data}` : `binary ${new Uint8Array(e.data as ArrayBuffer).join(',')}`);
        ws.send(e.data as string);
      },
      onClose: (e: { code: number }) => events.push(`close ${e.code}`),
    })),
  );
  app.get('/', (c) => c.text('plain'));
  const { url } = await serveFetch(t, { fetch: app.fetch, websocket } as never);
  const c = await connect(wsUrl(url, '/f/ws'));
  t.is((await c.next()).text, 'hono says hi');
  c.ws.send('one');
  t.is((await c.next()).text, 'one');
  c.ws.send(Buffer.from([7, 8, 9]));
  t.deepEqual([...(await c.next()).data], [7, 8, 9]);
  c.ws.close(4005);
  await eventually(() => events.length === 3);
  t.deepEqual(events, ['text one', 'binary 7,8,9', 'close 4005']);
  const plain = await fetch(url + '/f/');
  t.is(await plain.text(), 'plain');
});
