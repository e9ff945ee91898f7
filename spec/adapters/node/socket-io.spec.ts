// socket.io attached to a server from portico/node, `new Server(httpServer)`:
// engine.io answers its long-polling requests from the server's 'request'
// events (a GET held open until there is something to say, POSTs carrying
// packets) and takes WebSockets from its 'upgrade' events. The real client,
// socket.io-client, on each transport alone and on the default path (polling,
// then the upgrade to a WebSocket): emit with acknowledgements, binary
// payloads, rooms and broadcasts, middleware refusing a handshake,
// disconnects from either side, io.close(), and a client process killed
// outright, which the server must notice from the connection alone (its
// heartbeat is set far beyond the test). Every test runs on node:http's
// createServer too (both-servers.ts), which is how these tests were checked:
// both runs pass on node:http.

import { spawn } from 'node:child_process';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { Server, type ServerOptions, type Socket as ServerSocket } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { request } from 'undici';
import { listen, onBothServers, once, type Side } from './both-servers.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

type Transport = 'websocket' | 'polling';

interface Setup {
  server: http.Server;
  io: Server;
  url: string;
}

const setup = async (t: ExecutionContext, side: Side, options: Partial<ServerOptions> = {}): Promise<Setup> => {
  const server = side.createServer((req, res) => {
    // socket.io answers /socket.io/ itself and leaves every other request here.
    res.end(`app ${req.url}`);
  });
  const io = new Server(server, options);
  t.teardown(() => {
    io.close();
  });
  const port = await listen(t, server);
  return { server, io, url: `http://127.0.0.1:${port}` };
};

const connect = async (t: ExecutionContext, url: string, transports: Transport[], auth?: Record<string, string>): Promise<ClientSocket> => {
  const socket = connectClient(url, { transports, forceNew: true, reconnection: false, auth });
  t.teardown(() => {
    socket.disconnect();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
};

/** A server event handler that echoes through the acknowledgement callback. */
const withEcho = (io: Server): void => {
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: (reply: unknown) => void) => ack({ echoed: payload, id: socket.id }));
  });
};

for (const transports of [['websocket'], ['polling']] as Transport[][]) {
  const name = transports[0]!;
  onBothServers(`${name} transport: connect, emit with an acknowledgement both ways, binary payloads, plain HTTP beside it`, async (t, s) => {
    const { io, url } = await setup(t, s);
    withEcho(io);
    const serverSide = once<[ServerSocket]>(io, 'connection');
    const client = await connect(t, url, transports);
    const [peer] = await serverSide;
    t.is(client.io.engine.transport.name, name);
    t.is(peer.conn.transport.name, name);
    t.is(peer.handshake.address, '127.0.0.1');

    const reply = await client.emitWithAck('echo', { text: 'héllo', n: [1, 2, 3] });
    t.deepEqual(reply, { echoed: { text: 'héllo', n: [1, 2, 3] }, id: client.id });

    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const binary = (await client.emitWithAck('echo', bytes)) as { echoed: Buffer };
    t.true(Buffer.from(binary.echoed).equals(bytes));

    // The server asks, the client answers through the acknowledgement.
    client.on('question', (q: string, ack: (a: string) => void) => ack(`answer to ${q}`));
    t.is(await peer.timeout(5_000).emitWithAck('question', 'life'), 'answer to life');

    const res = await request(`${url}/not-socket-io?x=1`);
    t.is(await res.body.text(), 'app /not-socket-io?x=1');
    t.deepEqual(s.errors, []);
  });
}

onBothServers('the default path: long-polling first, then the upgrade to a WebSocket, with messages before and after', async (t, s) => {
  const { io, url } = await setup(t, s);
  withEcho(io);
  const client = connectClient(url, { forceNew: true, reconnection: false });
  t.teardown(() => {
    client.disconnect();
  });
  await once(client, 'connect');
  t.is(client.io.engine.transport.name, 'polling');
  t.deepEqual(await client.emitWithAck('echo', 'before'), { echoed: 'before', id: client.id });
  if (client.io.engine.transport.name !== 'websocket') await once(client.io.engine, 'upgrade');
  t.is(client.io.engine.transport.name, 'websocket');
  t.deepEqual(await client.emitWithAck('echo', 'after'), { echoed: 'after', id: client.id });
});

onBothServers('rooms: join, a message to a room reaches its members only, broadcast excludes the sender', async (t, s) => {
  const { io, url } = await setup(t, s);
  io.on('connection', (socket) => {
    socket.on('join', async (room: string, ack: () => void) => {
      await socket.join(room);
      ack();
    });
    socket.on('say', (room: string, text: string) => io.to(room).emit('said', `${room}: ${text}`));
    socket.on('shout', (text: string) => socket.broadcast.emit('said', `everyone: ${text}`));
  });
  const [alice, bob, carol] = await Promise.all([connect(t, url, ['websocket']), connect(t, url, ['polling']), connect(t, url, ['websocket'])]);
  const heard = new Map<ClientSocket, string[]>();
  for (const c of [alice!, bob!, carol!]) {
    heard.set(c, []);
    c.on('said', (m: string) => heard.get(c)!.push(m));
  }
  await alice!.emitWithAck('join', 'red');
  await bob!.emitWithAck('join', 'red');
  await carol!.emitWithAck('join', 'blue');
  t.deepEqual([...(io.sockets.adapter.rooms.get('red') ?? [])].length, 2);
  alice!.emit('say', 'red', 'hello reds');
  carol!.emit('say', 'blue', 'hello blues');
  carol!.emit('shout', 'hi all');
  const expected = new Map([
    [alice!, ['red: hello reds', 'everyone: hi all']],
    [bob!, ['red: hello reds', 'everyone: hi all']],
    [carol!, ['blue: hello blues']],
  ]);
  const done = () => [...expected].every(([c, want]) => heard.get(c)!.length >= want.length);
  for (let tries = 0; !done() && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 100)); // nothing more arrives
  for (const [c, want] of expected) t.deepEqual(heard.get(c), want);
});

onBothServers('middleware refuses a handshake: the client gets connect_error with the message', async (t, s) => {
  const { io, url } = await setup(t, s);
  io.use((socket, next) => (socket.handshake.auth.token === 'secret' ? next() : next(new Error('not authorized'))));
  for (const transports of [['websocket'], ['polling']] as Transport[][]) {
    const refused = connectClient(url, { transports, forceNew: true, reconnection: false, auth: { token: 'wrong' } });
    t.teardown(() => {
      refused.disconnect();
    });
    const [err] = await once<[Error]>(refused, 'connect_error');
    t.is(err.message, 'not authorized');
    const allowed = await connect(t, url, transports, { token: 'secret' });
    t.true(allowed.connected);
  }
});

for (const transports of [['websocket'], ['polling']] as Transport[][]) {
  const name = transports[0]!;
  onBothServers(`${name}: disconnects from the client and from the server, with their reasons; io.close() closes the HTTP server`, async (t, s) => {
    const { server, io, url } = await setup(t, s);
    const reasons: string[] = [];
    io.on('connection', (socket) => socket.on('disconnect', (reason) => reasons.push(reason)));

    const a = await connect(t, url, transports);
    a.disconnect();
    for (let tries = 0; reasons.length < 1 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    t.deepEqual(reasons, ['client namespace disconnect']);

    const serverSide = once<[ServerSocket]>(io, 'connection');
    const b = await connect(t, url, transports);
    const [peer] = await serverSide;
    const bGone = once<[string]>(b, 'disconnect');
    peer.disconnect(true);
    t.is((await bGone)[0], 'io server disconnect');

    const c = await connect(t, url, transports);
    const cGone = once<[string]>(c, 'disconnect');
    const closed = new Promise<Error | undefined>((resolve) => io.close((err) => resolve(err)));
    // io.close() sends no disconnect packet: engine.io closes the transport (a long-poll ends in an error).
    t.is((await cGone)[0], name === 'websocket' ? 'transport close' : 'transport error');
    t.is(await closed, undefined);
    t.false(server.listening);
  });
}

// A client process killed outright: no close frame, no disconnect packet. The
// server learns of it only because the connection ends (a long-poll request
// aborted, a WebSocket's socket closed): the heartbeat is set to a minute.
const clientScript = (url: string, transports: Transport[]): string => `
import { io } from 'socket.io-client';
const socket = io(${JSON.stringify(url)}, { transports: ${JSON.stringify(transports)}, forceNew: true, reconnection: false });
socket.on('connect', () => socket.emit('ready', () => console.log('acked')));
`;

for (const transports of [['websocket'], ['polling']] as Transport[][]) {
  const name = transports[0]!;
  onBothServers(`${name}: a client process killed outright is a disconnect within seconds, long before the heartbeat`, async (t, s) => {
    const { io, url } = await setup(t, s, { pingInterval: 60_000, pingTimeout: 60_000 });
    const ready = new Promise<ServerSocket>((resolve) =>
      io.on('connection', (socket) =>
        socket.on('ready', (ack: () => void) => {
          ack();
          resolve(socket);
        }),
      ),
    );
    const child = spawn(process.execPath, ['--input-type=module', '-e', clientScript(url, transports)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => child.kill('SIGKILL'));
    const peer = await ready;
    await once(child.stdout, 'data');
    // Long-polling: wait until the client holds its next GET open (engine.io's transport is then writable).
    const transport = peer.conn.transport as unknown as { writable: boolean };
    for (let tries = 0; !transport.writable && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    t.true(transport.writable);
    const gone = once<[string]>(peer, 'disconnect', 8_000);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const [reason] = await gone;
    // engine.io's names: a WebSocket whose socket closed; a long-poll request that ended "prematurely".
    t.is(reason, name === 'websocket' ? 'transport close' : 'transport error');
    t.true(Date.now() - killedAt < 8_000);
  });
}
