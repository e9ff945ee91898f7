// The per-connection loop (core/connection.ts) against scripted raw clients:
// 100-continue, request trailers, half-close, timeouts (slowloris, idle
// keep-alive, stalled body, stalled send), limits set through serve(), reading
// that pauses while an app leaves its body unread, the bound on unsent response
// data, CONNECT handed to an app, and a client that leaves mid-response.

import test from 'ava';
import type { App } from '../../gateway/index.js';
import type { Connection } from '../../core/index.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import { startServer } from '../helpers/server.js';
import { contains, delay, finalResponses, openSession } from '../helpers/fixtures-session.js';

const echo: App = async (env) => ({ status: 200, body: await env.body.bytes() });

test('100-continue: sent when the app starts reading, then the body follows', async (t) => {
  const { port } = await startServer(t, { app: echo });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
  await s.waitFor(contains('HTTP/1.1 100 Continue\r\n\r\n'), 5000, '100 Continue');
  t.false(s.received.includes('200'));
  await s.send('hello');
  await s.waitFor(finalResponses(1));
  const [cont, ok] = s.responses();
  t.is(cont!.status, 100);
  t.is(ok!.status, 200);
  t.is(ok!.body.toString(), 'hello');
  t.is(header(ok!, 'connection'), undefined);
  s.destroy();
});

test('100-continue: not sent before the app reads, however long it waits', async (t) => {
  let startReading!: () => void;
  const reading = new Promise<void>((r) => (startReading = r));
  const { port } = await startServer(t, {
    app: async (env) => {
      await reading;
      return { status: 200, body: await env.body.bytes() };
    },
  });
  const s = await openSession(port);
  await s.send('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
  await delay(300);
  t.is(s.received.length, 0);
  startReading();
  await s.waitFor(contains('100 Continue'));
  await s.send('abc');
  await s.waitFor(finalResponses(1));
  t.is(s.responses().at(-1)!.body.toString(), 'abc');
  s.destroy();
});

test('100-continue: an app that answers without reading sends no 100 and closes', async (t) => {
  const { port } = await startServer(t, { app: () => ({ status: 413, body: 'no thanks' }) });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n');
  await s.waitClosed();
  const responses = s.responses();
  t.deepEqual(responses.map((r) => r.status), [413]);
  t.is(header(responses[0]!, 'connection'), 'close');
});

test('request trailers reach the app, raw and combined', async (t) => {
  let seen: unknown;
  const { port } = await startServer(t, {
    app: async (env) => {
      const body = await env.body.text();
      seen = { body, trailers: { ...env.body.trailers }, raw: env.body.rawTrailers };
      return { status: 204 };
    },
  });
  await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 3\r\nx-sum: 4\r\n\r\n');
  t.deepEqual(seen, { body: 'abc', trailers: { 'x-sum': '3, 4' }, raw: ['X-Sum', '3', 'x-sum', '4'] });
});

// The half-close tests opt in with allowHalfOpen: true; by default a FIN while a
// response is pending aborts the exchange (the FIN tests below).
test('half-close (allowHalfOpen): a client that shuts its write side after a body still gets its response', async (t) => {
  const { port } = await startServer(t, { app: echo, allowHalfOpen: true });
  const r = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', { halfClose: true });
  t.is(r.responses[0]?.body.toString(), 'hello');
  t.true(r.closed);
});

test('half-close (allowHalfOpen) while the app is still working: the response still comes', async (t) => {
  const { port } = await startServer(t, {
    allowHalfOpen: true,
    app: async () => {
      await delay(200);
      return { status: 200, body: 'late but here' };
    },
  });
  const s = await openSession(port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  s.end();
  await s.waitClosed();
  t.is(s.responses()[0]?.body.toString(), 'late but here');
});

interface Observed {
  aborted: unknown;
  closeErr: unknown;
  closed: Promise<void>;
}

/** An app that answers `late` ms after the request, once `late` resolves, or never; recording how its exchanges end. */
const watchingApp = (late: number | Promise<void> | null): { app: App; seen: Observed[]; started: () => number } => {
  const seen: Observed[] = [];
  const app: App = (env, res) => {
    const o = { aborted: undefined, closeErr: undefined } as Observed;
    o.closed = new Promise((resolve) => {
      res.onClose((err) => {
        o.closeErr = err ?? null;
        resolve();
      });
    });
    res.signal.addEventListener('abort', () => (o.aborted = res.signal.reason));
    seen.push(o);
    const answer = () => res.aborted || (res.writeHead(200), res.end('late ' + env.target));
    if (typeof late === 'number') setTimeout(answer, late);
    else if (late !== null) void late.then(answer);
  };
  return { app, seen, started: () => seen.length };
};

test('FIN while the app waits: res.signal aborts, onClose gets ERR_CLIENT_GONE (499), nothing is written', async (t) => {
  // The app answers once the exchange has ended, not after a fixed 300 ms: a test
  // process stalled past that (a loaded machine) ran the app's timer before it
  // read the FIN, and the response went out.
  let answer!: () => void;
  const { app, seen } = watchingApp(new Promise<void>((r) => (answer = r)));
  const { port } = await startServer(t, { app });
  const s = await openSession(port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && seen.length === 0; i++) await delay(10);
  s.end();
  await s.waitClosed();
  await seen[0]!.closed;
  t.is((seen[0]!.closeErr as { code?: string }).code, 'ERR_CLIENT_GONE');
  t.is((seen[0]!.closeErr as { status?: number }).status, 499);
  t.is((seen[0]!.aborted as { code?: string }).code, 'ERR_CLIENT_GONE');
  answer();
  await delay(50); // past the app's late answer
  t.is(s.received.length, 0);
});

test('FIN while the app waits, allowHalfOpen: the response still comes and onClose reports success', async (t) => {
  const { app, seen } = watchingApp(200);
  const { port } = await startServer(t, { app, allowHalfOpen: true });
  const s = await openSession(port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && seen.length === 0; i++) await delay(10);
  s.end();
  await s.waitClosed();
  await seen[0]!.closed;
  t.is(seen[0]!.closeErr, null);
  t.is(seen[0]!.aborted, undefined);
  t.is(s.responses()[0]?.body.toString(), 'late /');
});

test('FIN after pipelined requests: the one in flight is aborted, the queued ones are never served', async (t) => {
  const { app, seen } = watchingApp(null);
  const { port } = await startServer(t, { app });
  const s = await openSession(port);
  await s.send('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 100 && seen.length === 0; i++) await delay(10);
  s.end();
  await s.waitClosed();
  await delay(300);
  t.is(seen.length, 1, 'only the first request reached the app');
  t.is((seen[0]!.closeErr as { code?: string }).code, 'ERR_CLIENT_GONE');
  t.is(s.received.length, 0);
});

test('FIN after pipelined requests, allowHalfOpen: all are answered in order, then the close', async (t) => {
  const { app, seen } = watchingApp(50);
  const { port } = await startServer(t, { app, allowHalfOpen: true });
  const r = await exchange(port, 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n', { halfClose: true, expectResponses: 3 });
  t.deepEqual(r.responses.map((x) => x.body.toString()), ['late /1', 'late /2', 'late /3']);
  t.true(r.closed);
  t.is(seen.length, 3);
});

test('FIN mid-body: 400 ERR_BODY_ABORTED as node:http answers it, the app body fails and its signal aborts', async (t) => {
  let bodyErr: unknown;
  let aborted: unknown;
  const { port } = await startServer(t, {
    app: async (env, res) => {
      res.signal.addEventListener('abort', () => (aborted = res.signal.reason));
      try {
        await env.body.bytes();
      } catch (err) {
        bodyErr = err;
      }
    },
  });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
  await delay(50);
  s.end();
  await s.waitClosed();
  t.deepEqual(s.responses().map((r) => r.status), [400]);
  t.is((bodyErr as { code?: string }).code, 'ERR_BODY_ABORTED');
  t.is((aborted as { code?: string }).code, 'ERR_BODY_ABORTED');
});

test('FIN while a response streams: the connection is cut, the app sees ERR_CLIENT_GONE', async (t) => {
  const { port } = await startServer(t, {
    app: (_env, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part');
      const timer = setInterval(() => res.write('.'), 20);
      res.onClose((err) => {
        clearInterval(timer);
        closeErr = err;
      });
    },
  });
  let closeErr: unknown;
  const s = await openSession(port);
  await s.send('GET / HTTP/1.0\r\n\r\n');
  await s.waitFor(contains('first part'));
  s.end();
  await s.waitClosed();
  for (let i = 0; i < 100 && closeErr === undefined; i++) await delay(10);
  t.is((closeErr as { code?: string }).code, 'ERR_CLIENT_GONE');
});

test('FIN on an idle keep-alive connection closes it', async (t) => {
  const { port, server } = await startServer(t, { app: echo });
  const s = await openSession(port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await s.waitFor(finalResponses(1));
  s.end();
  await s.waitClosed();
  for (let i = 0; i < 100 && server.connectionCount > 0; i++) await delay(10);
  t.is(server.connectionCount, 0);
  t.is(s.responses()[0]?.status, 200);
});

test('FIN while the app has not read its body (below the high-water mark) aborts it too: reading stays on', async (t) => {
  const { app, seen } = watchingApp(null);
  const { port } = await startServer(t, { app });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  for (let i = 0; i < 100 && seen.length === 0; i++) await delay(10);
  s.end();
  await s.waitClosed();
  await seen[0]!.closed;
  t.is((seen[0]!.closeErr as { code?: string }).code, 'ERR_CLIENT_GONE');
  t.is(s.received.length, 0);
});

test('slowloris: a head not complete within headersMs gets 408, then the close', async (t) => {
  const { port } = await startServer(t, { app: echo, timeouts: { headersMs: 300 } });
  const s = await openSession(port);
  const started = Date.now();
  await s.send('GET / HTTP/1.1\r\n');
  for (let i = 0; i < 40 && !s.closed; i++) {
    await s.send('X');
    await delay(100);
  }
  await s.waitClosed();
  t.deepEqual(s.responses().map((r) => r.status), [408]);
  t.is(header(s.responses()[0]!, 'connection'), 'close');
  t.true(Date.now() - started < 3900, 'cut well before the client was done dripping');
});

test('an idle keep-alive connection is closed after keepAliveMs', async (t) => {
  // Generous: on a loaded machine a short keep-alive could expire before the request is read.
  const { port, server } = await startServer(t, { app: echo, timeouts: { keepAliveMs: 2000 } });
  const s = await openSession(port);
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await s.waitFor(finalResponses(1));
  t.false(s.closed);
  await s.waitClosed(15_000);
  for (let i = 0; i < 100 && server.connectionCount > 0; i++) await delay(20);
  t.is(server.connectionCount, 0);
});

test('a connection that never sends a byte is closed as idle', async (t) => {
  const { port } = await startServer(t, { app: echo, timeouts: { keepAliveMs: 200 } });
  const s = await openSession(port);
  await s.waitClosed(5000);
  t.is(s.received.length, 0);
});

test('a stalled body the app waits for: 408 and the close', async (t) => {
  const { port } = await startServer(t, { app: echo, timeouts: { bodyMs: 300 } });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  await s.waitClosed(5000);
  t.deepEqual(s.responses().map((r) => r.status), [408]);
});

test('an error answering a HEAD request has no body either', async (t) => {
  const { port } = await startServer(t, { app: echo, timeouts: { bodyMs: 300 } });
  const s = await openSession(port);
  await s.send('HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  await s.waitClosed(5000);
  const text = s.received.toString('latin1');
  t.true(text.startsWith('HTTP/1.1 408 Request Timeout\r\n'));
  t.true(text.endsWith('\r\n\r\n'), 'nothing after the head');
  t.regex(text, /\r\nContent-Length: [1-9]/i, 'the length GET would get');
});

test('a stalled body the app left unread: the connection ends after its response', async (t) => {
  const { port } = await startServer(t, { app: () => ({ status: 202, body: 'ok' }), timeouts: { bodyMs: 300 } });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  await s.waitClosed(5000);
  t.deepEqual(s.responses().map((r) => r.status), [202]);
});

test('a stalled body after the response started: the connection is cut', async (t) => {
  const { port } = await startServer(t, {
    app: (env, res) => {
      res.write('streaming;');
      env.body.bytes().then(
        () => res.end(),
        () => {},
      );
    },
    timeouts: { bodyMs: 300 },
  });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
  await s.waitClosed(5000);
  t.is(s.responses().length, 0);
  t.true(s.received.includes('streaming;'));
});

test('limits set through serve(): 414, 431 by size and by count, 413 before the body is sent', async (t) => {
  const { port } = await startServer(t, {
    app: echo,
    limits: { maxRequestLineBytes: 100, maxHeaderBytes: 300, maxHeaderCount: 4, maxBodyBytes: 50 },
  });
  const line = await exchange(port, `GET /${'a'.repeat(120)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.is(line.responses[0]?.status, 414);
  const size = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'b'.repeat(300)}\r\n\r\n`);
  t.is(size.responses[0]?.status, 431);
  const count = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n');
  t.is(count.responses[0]?.status, 431);
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 51\r\n\r\n');
  await s.waitClosed();
  t.is(s.responses()[0]?.status, 413);
  const chunked = await exchange(port, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n${'c'.repeat(64)}\r\n0\r\n\r\n`);
  t.is(chunked.responses[0]?.status, 413);
  for (const r of [line, size, count, chunked]) t.true(r.closed);
});

test('a body the app does not read is not buffered: the server stops reading the socket', async (t) => {
  let received = 0;
  let bodyOf: { received: number } | null = null;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { port } = await startServer(t, {
    app: async (env) => {
      bodyOf = env.body;
      await released;
      for await (const chunk of env.body) received += chunk.length;
      return { status: 200, body: String(received) };
    },
  });
  const total = 32 * 1024 * 1024;
  const s = await openSession(port);
  await s.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
  // Write until the kernel buffers are full and writes stop draining.
  const piece = Buffer.alloc(256 * 1024, 0x61);
  let written = 0;
  while (written < total) {
    const drained = s.socket.write(piece);
    written += piece.length;
    if (!drained) {
      const ok = await Promise.race([new Promise<boolean>((r) => s.socket.once('drain', () => r(true))), delay(1000).then(() => false)]);
      if (!ok) break;
    }
  }
  t.true(written < total, 'the client was held back');
  t.truthy(bodyOf);
  t.true(bodyOf!.received < 1024 * 1024, `the server took only ${bodyOf!.received} bytes of ${written} written`);
  // Once the app reads, everything arrives, nothing lost.
  release();
  while (written < total) {
    const drained = s.socket.write(piece);
    written += piece.length;
    if (!drained) await new Promise((r) => s.socket.once('drain', r));
  }
  await s.waitFor(finalResponses(1), 30_000);
  t.is(s.responses()[0]!.body.toString(), String(total));
  s.destroy();
});

test('pipelined requests are read ahead only up to a bound while one is served', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let conn: Connection | null = null;
  let n = 0;
  const { port } = await startServer(t, {
    app: async (env) => {
      n++;
      if (env.pathInfo === '/slow') {
        conn = env.extensions['portico.connection'] as unknown as Connection;
        await released;
      }
      return { status: 200, body: env.pathInfo };
    },
  });
  const s = await openSession(port);
  let pipeline = 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n';
  const one = 'GET /next HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'p'.repeat(900) + '\r\n\r\n';
  const count = 4000; // about 3.7 MB of requests
  pipeline += one.repeat(count);
  void s.send(pipeline);
  await delay(500);
  t.truthy(conn);
  t.true(conn!.socket.bytesRead < 1024 * 1024, `read ${conn!.socket.bytesRead} bytes ahead`);
  t.is(n, 1);
  release();
  await s.waitFor(finalResponses(count + 1), 60_000, 'all responses');
  t.is(s.responses().at(-1)!.body.toString(), '/next');
  s.destroy();
});

test('an app that ignores backpressure is cut off at maxUnsentBytes', async (t) => {
  let aborted = false;
  let writes = 0;
  const { port } = await startServer(t, {
    limits: { maxUnsentBytes: 1024 * 1024 },
    app: (env, res) => {
      res.signal.addEventListener('abort', () => (aborted = true));
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      for (let i = 0; i < 400 && !res.aborted; i++) {
        res.write(chunk);
        writes++;
      }
      if (!res.aborted) res.end();
    },
  });
  const s = await openSession(port);
  s.socket.pause();
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await delay(300);
  s.socket.resume();
  await s.waitClosed(15_000);
  t.true(aborted);
  t.true(writes < 400, `stopped after ${writes} writes`);
  t.is(s.responses().length, 0, 'the client sees a truncated response');
});

test('a client that never reads is cut after sendMs; the app sees the abort', async (t) => {
  let abortedAt = 0;
  const { port } = await startServer(t, {
    timeouts: { sendMs: 300 },
    app: (env, res) => {
      res.onClose((err) => {
        if (err) abortedAt = Date.now();
      });
      const chunk = Buffer.alloc(64 * 1024, 0x63);
      const pump = (): void => {
        while (!res.aborted) {
          if (!res.write(chunk)) return res.onDrain(pump);
        }
      };
      pump();
    },
  });
  const s = await openSession(port);
  s.socket.pause();
  await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const deadline = Date.now() + 10_000;
  while (abortedAt === 0 && Date.now() < deadline) await delay(50);
  t.true(abortedAt > 0);
  s.destroy();
});

test('a client that leaves mid-response aborts res.signal and calls onClose with an error', async (t) => {
  let reason: unknown;
  let closeErr: unknown;
  const closed = new Promise<void>((resolve) => {
    void startServer(t, {
      app: (env, res) => {
        res.signal.addEventListener('abort', () => {
          reason = res.signal.reason;
        });
        res.onClose((err) => {
          closeErr = err;
          resolve();
        });
        res.write('first part');
      },
    }).then(async ({ port }) => {
      const s = await openSession(port);
      await s.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await s.waitFor(contains('first part'));
      s.socket.resetAndDestroy();
    });
  });
  await closed;
  t.is((closeErr as { code?: string }).code, 'ERR_CLIENT_GONE');
  t.is((reason as { code?: string }).code, 'ERR_CLIENT_GONE');
});

test('CONNECT reaches an app that opts in, which takes the socket over', async (t) => {
  const { port } = await startServer(t, {
    allowConnect: true,
    app: (env, res) => {
      const { socket, head } = res.detach();
      socket.write(`HTTP/1.1 200 Connection Established\r\nX-Target: ${env.target}\r\n\r\n`);
      if (head.length > 0) socket.write(head.toString().toUpperCase());
      socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
      socket.on('end', () => socket.end());
    },
  });
  const s = await openSession(port);
  await s.send('CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\nearly ');
  await s.waitFor(contains('EARLY '));
  await s.send('tunnelled');
  await s.waitFor(contains('TUNNELLED'));
  t.true(s.received.toString().startsWith('HTTP/1.1 200 Connection Established\r\nX-Target: a.example:443\r\n'));
  s.end();
  await s.waitClosed();
});

test('a response that finishes before its body was read drains a small rest and keeps the connection', async (t) => {
  const { port } = await startServer(t, {
    app: async (env) => {
      const first = await env.body.read();
      return { status: 200, body: `first chunk ${first?.length ?? 0}` };
    },
  });
  const s = await openSession(port);
  await s.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789');
  await s.waitFor(finalResponses(1));
  await s.send('abcdefghij');
  await s.send('GET /after HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
  await s.waitFor(finalResponses(2));
  t.deepEqual(s.responses().map((r) => r.status), [200, 200]);
  t.false(s.closed);
  s.destroy();
});

test('a response after reading part of a large body closes instead of draining the rest', async (t) => {
  const { port } = await startServer(t, {
    app: async (env) => {
      await env.body.read();
      return { status: 200, body: 'enough' };
    },
  });
  const s = await openSession(port);
  const total = 4 * 1024 * 1024;
  s.socket.on('error', () => {});
  void s.send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n` + 'z'.repeat(64 * 1024));
  await s.waitClosed(10_000);
  t.deepEqual(s.responses().map((r) => r.status), [200]);
  t.is(s.responses()[0]!.body.toString(), 'enough');
});

test('an error page that throws is logged and the default page answers, without the thrown message', async (t) => {
  const { port, errors } = await startServer(t, {
    app: { '/x': () => ({ status: 200 }) },
    errorPages: {
      default: () => {
        throw new Error('secret detail');
      },
    },
  });
  const bad = await exchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  t.is(bad.responses[0]!.status, 400);
  t.is(header(bad.responses[0]!, 'content-type'), 'text/html; charset=utf-8');
  t.false(bad.bytes.toString().includes('secret detail'));
  const missing = await exchange(port, 'GET /nothing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  t.is(missing.responses[0]!.status, 404);
  t.regex(missing.responses[0]!.body.toString(), /<h1>404 Not Found<\/h1>/);
  t.false(missing.bytes.toString().includes('secret detail'));
  t.is(errors.filter((e) => e.startsWith('error page failed') && e.includes('secret detail')).length, 2);
});
