// Server.reconfigure() and close({ lingerIdle }), the two halves of a reload
// (gateway/server.ts, gateway/generation.ts), through serve() with raw keep-alive
// sockets, so which connection got which answer, and whether it was told to
// close, is seen byte for byte: a request in flight finishes on the old
// generation, an idle connection's next request gets the new one and its last,
// new connections get the new one; options that cannot apply are refused and
// leave the old one serving; rate-limit buckets survive a reload that keeps the
// limit.
import test from 'ava';
import net from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import type { App } from '../../gateway/index.js';
import { ConfigError } from '../../gateway/config-error.js';
import { startServer } from '../helpers/server.js';
import { header, parseResponses, type RawResponse } from '../helpers/response-reader.js';

/** One raw keep-alive connection: send a GET, wait for its response. */
class RawConnection {
  private bytes = Buffer.alloc(0);
  closed = false;
  private sent = 0;
  private wake: () => void = () => {};

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => ((this.bytes = Buffer.concat([this.bytes, d])), this.wake()));
    socket.on('close', () => ((this.closed = true), this.wake()));
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawConnection(socket);
  }

  /** Sends GET `path` and resolves with its response (rejects if the connection closes first). */
  async get(path: string): Promise<RawResponse> {
    const n = ++this.sent;
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { responses } = parseResponses(this.bytes, this.closed);
      if (responses.length >= n) return responses[n - 1]!;
      if (this.closed) throw new Error(`closed before response ${n}`);
      if (Date.now() > deadline) throw new Error(`no response ${n} in 10 s`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Resolves once the server closed the connection. */
  async waitClosed(): Promise<void> {
    for (let i = 0; i < 200 && !this.closed; i++) await new Promise((r) => setTimeout(r, 10));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const says = (body: string): App => () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body });
const slowly = (body: string, ms: number): App => async () => {
  await new Promise((r) => setTimeout(r, ms));
  return { status: 200, body };
};

test('reconfigure(): a request in flight finishes on the old generation, an idle connection gets the new one once, new connections get the new one', async (t) => {
  const { server, url, port } = await startServer(t, { mounts: { '/': says('one'), '/slow': slowly('slow one', 400) } });
  const idle = await RawConnection.open(port);
  const busy = await RawConnection.open(port);
  t.teardown(() => (idle.destroy(), busy.destroy()));
  const first = await idle.get('/');
  t.is(first.body.toString(), 'one');
  t.is(header(first, 'connection'), undefined, 'kept alive');
  const inFlight = busy.get('/slow');
  await new Promise((r) => setTimeout(r, 100));

  server.reconfigure({ mounts: { '/': says('two') } });

  const slow = await inFlight;
  t.is(slow.body.toString(), 'slow one', 'finished on the old generation');
  t.is(header(slow, 'connection'), 'close');
  await busy.waitClosed();
  t.true(busy.closed);

  const second = await idle.get('/slow');
  t.is(second.body.toString(), 'two', 'the idle connection: its next request gets the new mount table');
  t.is(header(second, 'connection'), 'close', '... and is its last');
  await idle.waitClosed();
  t.true(idle.closed);

  t.is(await (await request(url + '/slow')).body.text(), 'two');
  t.is(server.connectionCount <= 1, true);
});

test('reconfigure() checks options as serve() does and refuses what belongs to the listener; the old generation keeps serving', async (t) => {
  const { server, url } = await startServer(t, { app: says('one') });
  t.throws(() => server.reconfigure({ app: says('two'), shutdownTimeoutMs: -1 }), { instanceOf: ConfigError, message: 'serve(): "shutdownTimeoutMs" must be a non-negative integer, got -1' });
  t.throws(() => server.reconfigure({ app: says('two'), port: 1 }), {
    instanceOf: ConfigError,
    message: 'serve(): "port" belongs to the listening socket and cannot change on reload; restart instead',
  });
  t.throws(() => server.reconfigure({ app: says('two'), proxyProtocol: true }), { message: /"proxyProtocol" belongs to the listening socket/ });
  t.throws(() => server.reconfigure({ app: says('two'), tls: { key: 'k', cert: 'c' } }), { message: /"tls" belongs to the listening socket/ });
  t.is(await (await request(url)).body.text(), 'one');
  // Left out, the listener's options stay; given again as they were, they are no change.
  server.reconfigure({ app: says('two'), port: 0, host: '127.0.0.1' });
  t.is(await (await request(url, { reset: true })).body.text(), 'two');
  server.reconfigure({ app: says('two') });
  t.is(await (await request(url, { reset: true })).body.text(), 'two');
  await server.close();
  t.throws(() => server.reconfigure({ app: says('three') }), { message: 'Server is closing' });
});

test('rate-limit buckets survive a reconfigure that keeps the limit, and start anew when it changes', async (t) => {
  const limit = { rate: '1r/m', burst: 1 };
  const { server, url } = await startServer(t, { app: says('one'), rateLimit: limit });
  const status = async (): Promise<number> => {
    const r = await request(url);
    await r.body.dump();
    return r.statusCode;
  };
  t.deepEqual([await status(), await status(), await status()], [200, 200, 429]);
  server.reconfigure({ app: says('two'), rateLimit: { ...limit } });
  t.is(await status(), 429, 'the same limit: the bucket is still full');
  server.reconfigure({ app: says('two'), rateLimit: { rate: '1r/m', burst: 2 } });
  t.deepEqual([await status(), await status(), await status(), await status()], [200, 200, 200, 429], 'a new limit, new buckets');
});

test('close({ lingerIdle: true }): no new connections, an idle keep-alive connection is answered once more with Connection: close', async (t) => {
  const { server, port } = await startServer(t, { app: says('one') });
  const idle = await RawConnection.open(port);
  t.teardown(() => idle.destroy());
  t.is((await idle.get('/')).body.toString(), 'one');
  const closed = server.close({ lingerIdle: true });
  await new Promise((r) => setTimeout(r, 50));
  await t.throwsAsync(RawConnection.open(port), { code: 'ECONNREFUSED' });
  t.false(idle.closed, 'not closed under the client');
  const last = await idle.get('/');
  t.is(last.body.toString(), 'one');
  t.is(header(last, 'connection'), 'close');
  await closed;
  t.true(idle.closed);
});
