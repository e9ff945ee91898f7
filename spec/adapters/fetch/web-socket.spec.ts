// The Deno-style upgrade, info.upgradeWebSocket(request) → { socket, response },
// from a plain Fetch handler mounted at /f, with real clients (the ws package's,
// and undici's WebSocket): text and binary both ways, binaryType, ping, close
// codes both ways, the subprotocol and extra 101 fields, an upgrade the handler
// refuses, backpressure seen through bufferedAmount with a client that does not
// read, the idle timeout, and the calls' errors on requests that are not handshakes.

import test from 'ava';
import { WebSocket as UndiciWebSocket } from 'undici';
import type { FetchInfo, UpgradedWebSocket } from '../../../adapters/fetch/index.js';
import { eventually, raw, serveFetch, sleep } from './helpers.js';
import { connect, wsUrl } from './ws-client.js';

/** Serves `onSocket` for WebSocket requests at /f, a plain answer otherwise. */
const serveSockets = (t: Parameters<typeof serveFetch>[0], onSocket: (socket: UpgradedWebSocket, request: Request) => void, options?: { protocol?: string; idleTimeout?: number }) =>
  serveFetch(t, (request: Request, info: FetchInfo) => {
    if (request.headers.get('upgrade') !== 'websocket') return new Response('plain');
    const { socket, response } = info.upgradeWebSocket(request, options);
    onSocket(socket, request);
    return response;
  });

test('text and binary messages both ways, under the mount prefix', async (t) => {
  const seen: string[] = [];
  const { url } = await serveSockets(t, (socket, request) => {
    seen.push(new URL(request.url).pathname, socket.url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => socket.send(`open ${socket.readyState}`);
    socket.onmessage = (e) => {
      if (typeof e.data === 'string') socket.send(`echo ${e.data}`);
      else socket.send(new Uint8Array(e.data as ArrayBuffer).reverse());
    };
  });
  const c = await connect(wsUrl(url, '/f/chat?room=1'));
  t.is((await c.next()).text, 'open 1');
  c.ws.send('héllo');
  const text = await c.next();
  t.deepEqual([text.text, text.isBinary], ['echo héllo', false]);
  c.ws.send(Buffer.from([1, 2, 3, 250]));
  const bin = await c.next();
  t.deepEqual([[...bin.data], bin.isBinary], [[250, 3, 2, 1], true]);
  const big = 'x'.repeat(300_000);
  c.ws.send(big);
  t.is((await c.next()).text, `echo ${big}`);
  t.deepEqual(seen, ['/chat', wsUrl(url, '/chat?room=1').replace('/f/', '/')]);
  c.ws.close();
});

test('binaryType blob (the default) delivers a Blob; ArrayBuffer, views and Blobs go out as binary', async (t) => {
  const { url } = await serveSockets(t, (socket) => {
    socket.onmessage = async (e) => {
      t.true(e.data instanceof Blob);
      const bytes = new Uint8Array(await (e.data as Blob).arrayBuffer());
      socket.send(bytes.buffer);
      socket.send(new DataView(bytes.buffer, 1, 1));
      socket.send(new Blob([bytes, bytes]));
      socket.send('after the blob');
    };
  });
  const c = await connect(wsUrl(url, '/f/'));
  c.ws.send(Buffer.from('ab'));
  t.deepEqual([(await c.next()).text, (await c.next()).text, (await c.next()).text, (await c.next()).text], ['ab', 'b', 'abab', 'after the blob']);
  c.ws.close();
});

test("a client's ping is answered with a pong carrying its data", async (t) => {
  const { url } = await serveSockets(t, () => {});
  const c = await connect(wsUrl(url, '/f/'));
  const pong = new Promise<string>((resolve) => c.ws.once('pong', (data) => resolve(data.toString())));
  c.ws.ping('are you there');
  t.is(await pong, 'are you there');
  c.ws.close();
});

test('close codes and reasons both ways', async (t) => {
  const closes: Array<[number, string, boolean]> = [];
  const { url } = await serveSockets(t, (socket) => {
    socket.onclose = (e) => {
      const c = e as Event & { code: number; reason: string; wasClean: boolean };
      closes.push([c.code, c.reason, c.wasClean]);
    };
    socket.onmessage = (e) => {
      if (e.data === 'close please') socket.close(4001, 'as you wish');
    };
  });
  // The client closes.
  const a = await connect(wsUrl(url, '/f/'));
  a.ws.close(4000, 'bye');
  t.deepEqual(await a.closed, { code: 4000, reason: 'bye' });
  await eventually(() => closes.length === 1);
  t.deepEqual(closes[0], [4000, 'bye', true]);
  // The server closes.
  const b = await connect(wsUrl(url, '/f/'));
  b.ws.send('close please');
  t.deepEqual(await b.closed, { code: 4001, reason: 'as you wish' });
  await eventually(() => closes.length === 2);
  t.deepEqual(closes[1], [4001, 'as you wish', true]);
});

test('close() checks its code and reason as the WHATWG API does', async (t) => {
  const errors: string[] = [];
  const { url } = await serveSockets(t, (socket) => {
    socket.onopen = () => {
      for (const [code, reason] of [[1001, undefined], [2999, undefined], [1000, 'é'.repeat(62)]] as const) {
        try {
          socket.close(code, reason);
        } catch (err) {
          errors.push((err as DOMException).name);
        }
      }
      socket.close(1000, 'done');
    };
  });
  const c = await connect(wsUrl(url, '/f/'));
  t.deepEqual(await c.closed, { code: 1000, reason: 'done' });
  t.deepEqual(errors, ['InvalidAccessError', 'InvalidAccessError', 'SyntaxError']);
});

test("undici's WebSocket (the one Node 22 makes global) talks to it, subprotocol included", async (t) => {
  const { url } = await serveSockets(t, (socket) => {
    socket.onmessage = (e) => socket.send(`${socket.protocol}:${String(e.data)}`);
  }, { protocol: 'chat.v2' });
  const ws = new UndiciWebSocket(wsUrl(url, '/f/'), ['chat.v1', 'chat.v2']);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  t.is(ws.protocol, 'chat.v2');
  const reply = new Promise<string>((resolve) => (ws.onmessage = (e) => resolve(String(e.data))));
  ws.send('hi');
  t.is(await reply, 'chat.v2:hi');
  const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
  ws.close(1000);
  t.is(await closed, 1000);
});

test("fields the app sets on the upgrade response go out with the 101", async (t) => {
  const { url } = await serveFetch(t, (request: Request, info: FetchInfo) => {
    const { response } = info.upgradeWebSocket(request);
    response.headers.append('set-cookie', 'a=1');
    response.headers.append('set-cookie', 'b=2');
    response.headers.set('x-app', 'yes');
    t.is(response.status, 101);
    return response;
  });
  const c = await connect(wsUrl(url, '/f/'));
  t.deepEqual(c.headers['set-cookie'], ['a=1', 'b=2']);
  t.is(c.headers['x-app'], 'yes');
  c.ws.close();
});

test('an upgrade the app refuses with a plain Response is answered with it; the same app accepts others', async (t) => {
  const { url } = await serveFetch(t, (request: Request, info: FetchInfo) => {
    if (request.headers.get('authorization') !== 'Bearer ok') return new Response('who are you?', { status: 401 });
    const { socket, response } = info.upgradeWebSocket(request);
    socket.onopen = () => socket.send('welcome');
    return response;
  });
  const err = await t.throwsAsync(connect(wsUrl(url, '/f/')));
  t.like(err as unknown as { status: number; body: string }, { status: 401, body: 'who are you?' });
  const c = await connect(wsUrl(url, '/f/'), { headers: { authorization: 'Bearer ok' } });
  t.is((await c.next()).text, 'welcome');
  c.ws.close();
});

test('a socket whose upgrade response is not returned errors and closes with 1006', async (t) => {
  const events: string[] = [];
  const { url } = await serveFetch(t, (request: Request, info: FetchInfo) => {
    const { socket } = info.upgradeWebSocket(request);
    socket.onerror = () => events.push('error');
    socket.onclose = (e) => events.push(`close ${(e as Event & { code: number }).code}`);
    try {
      socket.send('too early');
    } catch (err) {
      events.push((err as DOMException).name);
    }
    return new Response('changed my mind', { status: 409 });
  });
  const err = await t.throwsAsync(connect(wsUrl(url, '/f/')));
  t.like(err as unknown as { status: number }, { status: 409 });
  t.deepEqual(events, ['InvalidStateError', 'error', 'close 1006']);
});

test('upgradeWebSocket() throws on a request that is not a handshake; upgrade() answers false', async (t) => {
  const seen: string[] = [];
  const { port } = await serveFetch(t, (request: Request, info: FetchInfo) => {
    seen.push(String(info.upgrade(request)));
    try {
      info.upgradeWebSocket(request);
    } catch (err) {
      seen.push(`${(err as Error).name}: ${(err as Error).message}`);
    }
    return new Response('plain');
  });
  const plain = await raw(port, 'GET', '/f/');
  const noKey = await raw(port, 'GET', '/f/', { lines: ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13'] });
  const post = await raw(port, 'POST', '/f/', { lines: ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Content-Length: 0'] });
  t.deepEqual([plain, noKey, post].map((r) => r.responses[0]!.status), [200, 200, 200]);
  t.deepEqual(seen, [
    'false', "TypeError: Invalid Header: 'upgrade' header must contain 'websocket'",
    'false', "TypeError: Invalid Header: 'sec-websocket-key' header must be set",
    'false', 'TypeError: a WebSocket handshake is a GET request',
  ]);
});

test('backpressure: with a client that does not read, bufferedAmount grows and the sender waits; all arrives once it reads', async (t) => {
  const CHUNK = 64 * 1024;
  const COUNT = 400; // 25 MiB: more than the loopback's socket buffers hold
  const LIMIT = 512 * 1024;
  let sent = 0;
  let maxBuffered = 0;
  let waited = 0;
  const { url } = await serveSockets(t, (socket) => {
    socket.onopen = async () => {
      const chunk = new Uint8Array(CHUNK);
      while (sent < COUNT) {
        if (socket.bufferedAmount > LIMIT) {
          waited++;
          await sleep(5);
          continue;
        }
        chunk[0] = sent % 256;
        socket.send(chunk);
        sent++;
        maxBuffered = Math.max(maxBuffered, socket.bufferedAmount);
      }
    };
  });
  const c = await connect(wsUrl(url, '/f/'));
  c.ws.pause();
  // The sender stalls: it has sent far less than everything, and stays there.
  await eventually(() => waited > 20);
  const stalledAt = sent;
  await sleep(100);
  t.is(sent, stalledAt);
  t.true(stalledAt < COUNT, `sent ${stalledAt} of ${COUNT}`);
  t.true(maxBuffered <= LIMIT + CHUNK + 16, `buffered ${maxBuffered}`);
  c.ws.resume();
  for (let i = 0; i < COUNT; i++) {
    const m = await c.next();
    t.is(m.data.length, CHUNK);
    if (m.data[0] !== i % 256) return t.fail(`message ${i} out of order`);
  }
  c.ws.close();
});

test('idleTimeout: a client that answers no ping is cut; one that answers stays', async (t) => {
  const closes: number[] = [];
  const { url } = await serveSockets(t, (socket) => {
    socket.onclose = (e) => closes.push((e as Event & { code: number }).code);
  }, { idleTimeout: 0.4 });
  const deaf = await connect(wsUrl(url, '/f/'), { autoPong: false });
  let pings = 0;
  deaf.ws.on('ping', () => pings++);
  const alive = await connect(wsUrl(url, '/f/'));
  t.is((await deaf.closed).code, 1006);
  t.true(pings >= 1);
  t.is(alive.ws.readyState, 1);
  await eventually(() => closes.length === 1);
  t.deepEqual(closes, [1006]);
  alive.ws.close();
});

test('a handler that fails after upgradeWebSocket() gets a 500, and its socket an error and a 1006 close', async (t) => {
  const events: string[] = [];
  const server = await serveFetch(t, (request: Request, info: FetchInfo) => {
    const { socket } = info.upgradeWebSocket(request);
    socket.onerror = () => events.push('error');
    socket.onclose = (e) => events.push(`close ${e.code}`);
    throw new Error('handler bug');
  });
  t.like(await connect(wsUrl(server.url, '/f/')).catch((e: unknown) => e), { status: 500 });
  t.deepEqual(events, ['error', 'close 1006']);
});
