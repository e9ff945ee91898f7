// The connection state machine (core/server-connection.ts) in memory: every
// transition of core/connection-state.ts, each request fed whole and one byte
// per receive(), and the raw-bytes fixture table (spec/fixtures/requests.ts)
// run through it with an app that reads the body and one that does not.

import test from 'ava';
import { HttpError } from '../../core/index.js';
import { SHUTDOWN_LINGER_MS } from '../../core/connection-deadlines.js';
import { FIXTURE_LIMITS, FOLLOW_UP, REQUESTS, type Outcome } from '../fixtures/requests.js';
import { WAYS, answerAt, echoOnEnd, isHttpError, memoryConnection, type Exchange, type Way } from '../helpers/memory-connection.js';
import { header } from '../helpers/response-reader.js';

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const post = (body: string, fields = ''): string => `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${fields}\r\n${body}`;

/** Declares one test per way of feeding. */
const each = (title: string, run: (t: import('ava').ExecutionContext, way: Way) => void | Promise<unknown>): void => {
  for (const way of WAYS) test(`${title} [${way}]`, (t) => run(t, way));
};

// ---- idle and head ----

each('idle → head on a partial head, → responding once it completes, → idle after a keep-alive response', (t, way) => {
  const m = memoryConnection();
  t.is(m.machine.state, 'idle');
  m.feed('GET / HTTP/1.1\r\nHo', way);
  t.is(m.machine.state, 'head');
  m.feed('st: x\r\n\r\n', way);
  t.is(m.machine.state, 'responding');
  t.true(m.machine.busy);
  answerAt('hi')(m.exchanges[0]!);
  t.is(m.machine.state, 'idle');
  t.false(m.machine.busy);
  t.is(m.driver.responses()[0]!.body.toString(), 'hi');
  t.is(header(m.driver.responses()[0]!, 'connection'), undefined);
  t.false(m.driver.closed);
  t.is(m.exchanges[0]!.closedWith, null);
});

each('idle → must-close after keepAliveMs; the FIN is sent, nothing written, and no lingering close', (t) => {
  const m = memoryConnection({ timeouts: { keepAliveMs: 100 } });
  m.advance(50);
  t.is(m.machine.state, 'idle');
  m.advance(60);
  t.is(m.machine.state, 'must-close');
  t.true(m.driver.ended);
  t.true(m.driver.closesAfterFin);
  t.is(m.driver.text, '');
});

each('head → must-close with 408 after headersMs', (t, way) => {
  const m = memoryConnection({ timeouts: { headersMs: 100 } });
  m.feed('GET / HTTP/1.1\r\n', way);
  m.advance(150);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [408]);
  t.true(isHttpError(m.errors[0], 'ERR_HEADERS_TIMEOUT'));
});

each('head → must-close with 400 on a malformed head; later bytes are never parsed', (t, way) => {
  const m = memoryConnection({ onRequest: answerAt() });
  m.feed('GET / HTTP/1.1\nHost: x\r\n\r\n' + GET, way);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [400]);
  t.is(m.exchanges.length, 0);
  m.feed(GET, way);
  t.is(m.exchanges.length, 0);
});

each('idle and head → must-close on the FIN, with no response', (t, way) => {
  for (const bytes of ['', 'GET / HT']) {
    const m = memoryConnection();
    if (bytes) m.feed(bytes, way);
    m.machine.receiveEnd();
    t.is(m.machine.state, 'must-close');
    t.true(m.driver.ended);
    t.is(m.driver.closesAfterFin, bytes === '', 'a partial head lingers (the client may still be sending)');
    t.is(m.driver.text, '');
  }
});

each('idle → must-close on shutdown(); a partial head is dropped', (t, way) => {
  const m = memoryConnection();
  m.feed('GET / HT', way);
  m.machine.shutdown();
  t.is(m.machine.state, 'must-close');
  t.is(m.driver.text, '');
});

each('idle with nothing unsent → must-close on shutdown(): the FIN, then the close without waiting for the client', (t, way) => {
  const m = memoryConnection({ onRequest: answerAt() });
  m.feed(GET, way);
  t.is(m.machine.state, 'idle', 'a keep-alive connection after its exchange');
  m.machine.shutdown();
  t.is(m.machine.state, 'must-close');
  t.true(m.driver.ended);
  t.true(m.driver.closesAfterFin, 'no response to protect: no lingering close');
  t.false(m.driver.aborted);
  m.machine.transportClosed();
  t.is(m.machine.state, 'closed');
  t.is(m.exchanges[0]!.closedWith, null);
  t.is(m.closedCalls, 1);
});

each('idle with a response still unsent → must-close on shutdown() lingers, SHUTDOWN_LINGER_MS once it is out', (t, way) => {
  const m = memoryConnection({ onRequest: answerAt() });
  m.feed(GET, way);
  m.driver.unsentBytes = 100;
  m.machine.shutdown();
  t.is(m.machine.state, 'must-close');
  t.true(m.driver.ended);
  t.false(m.driver.closesAfterFin);
  m.advance(SHUTDOWN_LINGER_MS * 2);
  t.is(m.machine.state, 'must-close', 'the linger starts once the response is handed to the OS');
  m.driver.unsentBytes = 0;
  m.advance(SHUTDOWN_LINGER_MS - 100);
  t.is(m.machine.state, 'must-close');
  m.advance(200);
  t.is(m.machine.state, 'closed');
  t.true(m.driver.aborted);
});

// ---- body ----

each('head → body → responding: the body reaches the app, then the response', (t, way) => {
  const m = memoryConnection({ onRequest: echoOnEnd });
  m.feed(post('hello').slice(0, -3), way);
  t.is(m.machine.state, 'body');
  m.feed('llo', way);
  t.is(m.machine.state, 'idle');
  t.is(m.driver.responses()[0]!.body.toString(), 'hello');
});

each('body → responding when the body ends before the app answers', (t, way) => {
  const m = memoryConnection();
  m.feed(post('hello'), way);
  t.is(m.machine.state, 'responding');
  t.true(m.exchanges[0]!.body.complete);
});

each('body → draining when the app answers first and the rest is small, → idle once it has arrived', (t, way) => {
  const m = memoryConnection({ onRequest: answerAt('early') });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234', way);
  t.is(m.machine.state, 'draining');
  t.true(m.machine.busy);
  t.true(isHttpError(m.exchanges[0]!.body['failure' as never], 'ERR_BODY_DISCARDED'));
  m.feed('56789' + GET, way);
  t.is(m.machine.state, 'idle');
  t.is(m.exchanges.length, 2, 'the next request is served after the drain');
  t.deepEqual(m.driver.responses().map((r) => r.body.toString()), ['early', 'early']);
});

each('body → must-close when the app answers first and the rest is larger than maxDrainBytes', (t, way) => {
  const m = memoryConnection({ limits: { maxDrainBytes: 4 }, onRequest: answerAt('no') });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab', way);
  t.is(m.machine.state, 'must-close');
  t.is(header(m.driver.responses()[0]!, 'connection'), 'close', 'the response announced the close');
});

each('draining → must-close when the chunked rest passes the drain budget', (t, way) => {
  const m = memoryConnection({ limits: { maxDrainBytes: 8 } });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', way);
  m.exchanges[0]!.body.read().catch(() => {}); // the app started reading: the response may keep the connection
  answerAt()(m.exchanges[0]!);
  t.is(m.machine.state, 'draining');
  m.feed('5\r\nhello\r\n5\r\nworld\r\n', way);
  t.is(m.machine.state, 'must-close');
});

each('draining → must-close on the FIN or after bodyMs', (t, way) => {
  for (const end of ['fin', 'time'] as const) {
    const m = memoryConnection({ timeouts: { bodyMs: 100 }, onRequest: answerAt() });
    m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012', way);
    t.is(m.machine.state, 'draining');
    if (end === 'fin') m.machine.receiveEnd();
    else m.advance(150);
    t.is(m.machine.state, 'must-close');
    t.deepEqual(m.driver.responses().map((r) => r.status), [200]);
  }
});

each('body → must-close with 400 ERR_BODY_ABORTED on a FIN mid-body, in either FIN mode', async (t, way) => {
  for (const allowHalfOpen of [false, true]) {
    const m = memoryConnection({ allowHalfOpen });
    m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012', way);
    const failed = m.exchanges[0]!.body.bytes().then(() => null, (err: unknown) => err);
    m.machine.receiveEnd();
    t.is(m.machine.state, 'must-close');
    t.deepEqual(m.driver.responses().map((r) => r.status), [400]);
    t.true(isHttpError(m.exchanges[0]!.closedWith, 'ERR_BODY_ABORTED'));
    t.true(isHttpError(await failed, 'ERR_BODY_ABORTED'));
  }
});

each('body → must-close with 408 when a body the app waits for stalls past bodyMs', (t, way) => {
  const m = memoryConnection({ timeouts: { bodyMs: 100 } });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012', way);
  m.exchanges[0]!.body.read().catch(() => {});
  m.advance(150);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [408]);
});

each('body → must-close with 408 when the whole request takes longer than requestMs, however steadily it trickles', (t, way) => {
  const m = memoryConnection({ timeouts: { bodyMs: 100, requestMs: 250 } });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0', way);
  m.exchanges[0]!.body.read().catch(() => {});
  for (let i = 1; i <= 2; i++) {
    m.advance(90);
    m.feed(String(i), way);
  }
  t.is(m.machine.state, 'body');
  m.advance(90);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [408]);
});

each('body: reading pauses once the unread body passes bodyHighWaterMark, and resumes as the app reads', async (t, way) => {
  const m = memoryConnection({ limits: { bodyHighWaterMark: 8 } });
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n0123456789', way);
  m.feed('x'.repeat(30), way); // held back by the paused "socket"
  t.false(m.driver.reading);
  t.is(m.machine.state, 'body');
  const body = m.exchanges[0]!.body;
  const before = body.received;
  t.true(before >= 8 && before < 40);
  await body.read();
  t.true(m.driver.readingCalls.includes(true), 'reading resumed');
  t.true(body.received > before, 'more of the body was read');
});

each('body: 100 Continue is written when the app first asks for the body, never before', (t, way) => {
  const m = memoryConnection();
  m.feed('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', way);
  t.is(m.driver.text, '');
  m.exchanges[0]!.body.read().catch(() => {});
  t.is(m.driver.text, 'HTTP/1.1 100 Continue\r\n\r\n');
});

each('body → must-close when the app answers a 100-continue request without reading', (t, way) => {
  const m = memoryConnection({ onRequest: answerAt('no') });
  m.feed('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', way);
  t.is(m.machine.state, 'must-close');
  t.false(m.driver.text.includes('100 Continue'));
  t.is(header(m.driver.responses()[0]!, 'connection'), 'close');
});

// ---- responding ----

each('responding → must-close after Connection: close, HTTP/1.0, or shutdown() during the exchange', (t, way) => {
  for (const [request, shut] of [
    ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', false],
    ['GET / HTTP/1.0\r\n\r\n', false],
    [GET, true],
  ] as const) {
    const m = memoryConnection();
    m.feed(request + GET, way);
    if (shut) m.machine.shutdown();
    t.is(m.machine.state, 'responding');
    answerAt()(m.exchanges[0]!);
    t.is(m.machine.state, 'must-close');
    t.is(m.exchanges.length, 1, 'the pipelined request is not served');
    t.is(header(m.driver.responses()[0]!, 'connection'), 'close');
  }
});

each('responding → must-close after the last request maxRequestsPerConnection allows; it says Connection: close', (t, way) => {
  const m = memoryConnection({ limits: { maxRequestsPerConnection: 2 }, onRequest: answerAt() });
  m.feed(GET + GET + GET, way);
  t.is(m.machine.state, 'must-close');
  t.is(m.exchanges.length, 2, 'the third pipelined request is not served');
  t.deepEqual(m.driver.responses().map((r) => header(r, 'connection')), [undefined, 'close']);
});

each("responding: writeHead's keepAlive announces persistence (Connection: keep-alive, Keep-Alive) only on a response that keeps the connection", (t, way) => {
  const announce = (value: string) => (x: Exchange): void => {
    x.res.writeHead(200, {}, { keepAlive: value });
    x.res.end('ok');
  };
  const m = memoryConnection({ onRequest: announce('timeout=5') });
  m.feed(GET + 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' + 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', way);
  const [first, old, last] = m.driver.responses();
  t.deepEqual([header(first!, 'connection'), header(first!, 'keep-alive')], ['keep-alive', 'timeout=5']);
  t.deepEqual([header(old!, 'connection'), header(old!, 'keep-alive')], ['keep-alive', 'timeout=5']);
  t.deepEqual([header(last!, 'connection'), header(last!, 'keep-alive')], ['close', undefined]);
  t.is(m.driver.text.match(/connection:/gi)?.length, 3, 'one Connection field per response');
  const bare = memoryConnection({ onRequest: announce('') });
  bare.feed(GET, way);
  t.deepEqual([header(bare.driver.responses()[0]!, 'connection'), header(bare.driver.responses()[0]!, 'keep-alive')], ['keep-alive', undefined]);
  const bad = memoryConnection({ onRequest: (x) => t.throws(() => x.res.writeHead(200, {}, { keepAlive: 'timeout=5\r\nX-Evil: 1' }), { code: 'ERR_INVALID_HEADER' }) });
  bad.feed(GET, way);
});

each('responding: pipelined requests are served one after another, read ahead up to maxReadAheadBytes', (t, way) => {
  const m = memoryConnection({ limits: { maxReadAheadBytes: 40 } });
  m.feed(GET + GET + GET, way);
  t.is(m.exchanges.length, 1);
  t.false(m.driver.reading, 'reading paused: more than 40 bytes wait');
  answerAt('1')(m.exchanges[0]!);
  t.is(m.exchanges.length, 2);
  answerAt('2')(m.exchanges[1]!);
  answerAt('3')(m.exchanges[2]!);
  t.is(m.machine.state, 'idle');
  t.true(m.driver.reading);
  t.deepEqual(m.driver.responses().map((r) => r.body.toString()), ['1', '2', '3']);
});

each('responding → must-close on the FIN: the app sees ERR_CLIENT_GONE (499), queued requests are dropped, nothing is written', (t, way) => {
  const m = memoryConnection();
  m.feed(GET + GET, way);
  const x = m.exchanges[0]!;
  m.machine.receiveEnd();
  t.is(m.machine.state, 'must-close');
  t.true(m.driver.ended);
  t.false(m.driver.aborted);
  t.true(isHttpError(x.closedWith, 'ERR_CLIENT_GONE'));
  t.true(x.res.signal.aborted);
  t.is((x.res.signal.reason as { status?: number }).status, 499);
  x.res.end('too late'); // ignored
  t.is(m.driver.text, '');
  t.is(m.exchanges.length, 1);
});

each('responding → closed on the FIN once the response started: the connection is cut', (t, way) => {
  const m = memoryConnection();
  m.feed('GET / HTTP/1.0\r\n\r\n', way);
  const x = m.exchanges[0]!;
  x.res.writeHead(200);
  x.res.write('part');
  m.machine.receiveEnd();
  t.is(m.machine.state, 'closed');
  t.true(m.driver.aborted);
  t.true(isHttpError(x.closedWith, 'ERR_CLIENT_GONE'));
  t.is(m.closedCalls, 1);
});

each('responding with allowHalfOpen: the FIN waits; every request is answered, then must-close', (t, way) => {
  const m = memoryConnection({ allowHalfOpen: true });
  m.feed(GET + GET, way);
  m.machine.receiveEnd();
  t.is(m.machine.state, 'responding');
  answerAt('1')(m.exchanges[0]!);
  t.is(m.machine.state, 'responding');
  answerAt('2')(m.exchanges[1]!);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.body.toString()), ['1', '2']);
  t.is(m.exchanges[1]!.closedWith, null);
});

each('responding → switched when the app takes the transport over; the buffered bytes go with it', (t, way) => {
  const m = memoryConnection({ allowConnect: true });
  m.feed('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\ntunnel', way);
  const { head } = m.exchanges[0]!.res.detach();
  t.is(m.machine.state, 'switched');
  t.true(m.driver.detached);
  t.is(head.toString(), 'tunnel');
  t.false(m.sweeping, 'no longer swept');
  t.is(m.closedCalls, 1);
  m.feed('more');
  m.machine.receiveEnd();
  t.is(m.machine.state, 'switched');
});

each('CONNECT without allowConnect: 501 and must-close', (t, way) => {
  const m = memoryConnection();
  m.feed('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', way);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [501]);
});

each('responding → must-close with the error page when preempted (a response timeout)', (t, way) => {
  const m = memoryConnection();
  m.feed(GET, way);
  const x = m.exchanges[0]!;
  m.machine.preempt(x.res, new HttpError('ERR_RESPONSE_TIMEOUT', 504, 'The application did not answer in time.'));
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [504]);
  t.true(isHttpError(x.closedWith, 'ERR_RESPONSE_TIMEOUT'));
  x.res.end('late'); // ignored
  t.is(m.driver.responses().length, 1);
});

// ---- closed ----

each('any state → closed when the transport closes; a pending exchange fails with ERR_CLIENT_GONE', (t, way) => {
  const m = memoryConnection();
  m.feed('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', way);
  const x = m.exchanges[0]!;
  const failed = x.body.read().then(() => null, (err: unknown) => err);
  m.machine.transportClosed();
  t.is(m.machine.state, 'closed');
  t.true(isHttpError(x.closedWith, 'ERR_CLIENT_GONE'));
  t.false(m.sweeping);
  t.is(m.closedCalls, 1);
  m.machine.transportClosed();
  t.is(m.closedCalls, 1, 'closed once');
  return failed.then((err) => t.true(isHttpError(err, 'ERR_CLIENT_GONE')));
});

each('must-close after the last response lingers until the client closes: sendMs, or SHUTDOWN_LINGER_MS once shutdown() began', (t, way) => {
  for (const shut of ['during the exchange', 'while lingering', 'never'] as const) {
    const m = memoryConnection({ timeouts: { sendMs: 60_000 } });
    m.feed(shut === 'during the exchange' ? GET : 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', way);
    if (shut === 'during the exchange') m.machine.shutdown();
    answerAt()(m.exchanges[0]!);
    t.is(m.machine.state, 'must-close', shut);
    t.true(m.driver.ended);
    t.false(m.driver.closesAfterFin, `${shut}: a lingering close (RFC 9112 §9.6)`);
    m.feed(GET, way);
    t.is(m.exchanges.length, 1, 'what the client still sends is dropped');
    if (shut === 'while lingering') m.machine.shutdown();
    m.advance(SHUTDOWN_LINGER_MS - 100);
    t.is(m.machine.state, 'must-close', shut);
    m.advance(200);
    t.is(m.machine.state, shut === 'never' ? 'must-close' : 'closed', shut);
    t.is(m.driver.aborted, shut !== 'never');
    if (shut !== 'never') t.is(m.exchanges[0]!.closedWith, null, 'the response had completed');
  }
});

each('must-close → closed when the transport closes, or cut after sendMs if the client never closes', (t, way) => {
  for (const end of ['close', 'time'] as const) {
    const m = memoryConnection({ timeouts: { sendMs: 100 }, onRequest: answerAt() });
    m.feed('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', way);
    t.is(m.machine.state, 'must-close');
    if (end === 'close') m.machine.transportClosed();
    else m.advance(150);
    t.is(m.machine.state, 'closed');
    t.is(m.driver.aborted, end === 'time');
  }
});

each('responding → closed when the client stops reading for sendMs; the app sees ERR_SEND_TIMEOUT', (t, way) => {
  const m = memoryConnection({ timeouts: { sendMs: 100 } });
  m.feed(GET, way);
  const x = m.exchanges[0]!;
  m.driver.accept = false;
  x.res.writeHead(200);
  t.false(x.res.write('a lot'));
  m.advance(50);
  m.machine.drained();
  m.advance(100);
  t.is(m.machine.state, 'responding', 'a drain restarts the clock');
  x.res.write('more');
  m.advance(150);
  t.is(m.machine.state, 'closed');
  t.true(isHttpError(x.closedWith, 'ERR_SEND_TIMEOUT'));
});

each('responding → closed when the app piles up more than maxUnsentBytes', (t, way) => {
  const m = memoryConnection({ limits: { maxUnsentBytes: 10 } });
  m.feed(GET, way);
  const x = m.exchanges[0]!;
  x.res.writeHead(200);
  x.res.write('x');
  m.driver.unsentBytes = 11;
  x.res.write('y');
  t.is(m.machine.state, 'closed');
  t.true(isHttpError(x.closedWith, 'ERR_RESPONSE_BUFFER_OVERFLOW'));
});

each('responding → closed when the app aborts its response; destroy() cuts with ERR_CONNECTION_DESTROYED', (t, way) => {
  const m = memoryConnection();
  m.feed(GET, way);
  const boom = new Error('boom');
  m.exchanges[0]!.res.abort(boom);
  t.is(m.machine.state, 'closed');
  t.is(m.exchanges[0]!.closedWith, boom);
  const n = memoryConnection();
  n.feed(GET, way);
  n.machine.destroy();
  t.true(isHttpError(n.exchanges[0]!.closedWith, 'ERR_CONNECTION_DESTROYED'));
});

each('a handler that throws before answering: 500 ERR_HANDLER_FAILED and must-close', (t, way) => {
  const m = memoryConnection({
    onRequest: () => {
      throw new Error('handler bug');
    },
  });
  m.feed(GET, way);
  t.is(m.machine.state, 'must-close');
  t.deepEqual(m.driver.responses().map((r) => r.status), [500]);
  t.true(isHttpError(m.errors[0], 'ERR_HANDLER_FAILED'));
});

// ---- the fixture table, in memory ----

// The router and the path checks are the gateway's: those answers are not the engine's.
const GATEWAY_PATHS = /\/(only-get|small)\b/;
const gatewayDecides = (f: (typeof REQUESTS)[number]): boolean =>
  GATEWAY_PATHS.test(f.request) || (f.code === undefined && !f.incomplete && f.status !== null && f.status >= 400 && f.status !== 417);
for (const fixture of REQUESTS) {
  if (gatewayDecides(fixture)) continue;
  for (const mode of ['read', 'unread'] as const) {
    if (mode === 'unread' && !fixture.body) continue;
    test(`fixture in memory [${mode}]: ${fixture.name}`, (t) => {
      const expected: Outcome = mode === 'unread' && fixture.unread !== undefined ? fixture.unread : fixture;
      const answered = expected.status === null ? 0 : (fixture.responses ?? 1);
      const ways: Array<{ way: Way; extra: boolean }> = [
        { way: 'whole', extra: false },
        { way: 'bytes', extra: false },
        ...(fixture.incomplete ? [] : [{ way: 'whole' as Way, extra: true }]),
      ];
      for (const { way, extra } of ways) {
        const m = memoryConnection({ limits: FIXTURE_LIMITS, onRequest: mode === 'read' ? echoOnEnd : answerAt() });
        m.feed(fixture.request + (extra ? FOLLOW_UP : ''), way);
        if (fixture.halfClose) m.end();
        const label = `${fixture.name} [${way}${extra ? ', extra' : ''}]`;
        const finals = m.driver.responses(fixture.head ? new Set([0]) : undefined).filter((r) => r.status >= 200);
        const followUp = extra && !expected.close;
        t.is(finals.length, answered + (followUp ? 1 : 0), `${label}: final responses`);
        if (answered > 0) t.is(finals[0]!.status as number | null, expected.status, `${label}: status`);
        t.is(m.driver.closed, expected.close || fixture.halfClose === true, `${label}: closed`);
      }
    });
  }
}
