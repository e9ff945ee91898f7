// Running programs: the response as printed (status, fields, framing), stdout
// streamed, stderr logged per line with the script, and the faults: a crash,
// garbage or missing headers, header injection, a hang (504), a stall after
// the head, a client that leaves (SIGTERM, then SIGKILL for a program that
// ignores it), a program that writes before it reads, one that never reads.
// Serial, so the last test can check that no child process is left.

import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { header, parseResponses, type RawResponse } from '../../helpers/response-reader.js';
import { FIXTURES, captureLog, groupMembers, noChildrenLeft, sleep, waitFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'portico-cgi-run-'));
const PIDFILE = join(dir, 'pid');
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const setup = async (t: ExecutionContext) => {
  const log = captureLog();
  const server = await startServer(t, {
    mounts: {
      '/cgi': cgiApp({ root: FIXTURES, logger: log, env: { PIDFILE } }),
      '/quick': cgiApp({ root: FIXTURES, logger: log, env: { PIDFILE }, timeoutMs: 1500, killGraceMs: 500 }),
    },
  });
  return { ...server, log };
};

const get = (port: number, path: string, extra = '') =>
  exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`, { timeoutMs: 20_000 });

const readPid = (): number => Number(readFileSync(PIDFILE, 'utf8').trim());

/** Sends a request with a body of `size` bytes while reading the answer, as a real client would. */
const sendLargeBody = (port: number, path: string, size: number, chunked: boolean): Promise<{ response: RawResponse | undefined; sent: number }> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: parseResponses(Buffer.concat(chunks), true).responses[0], sent });
    };
    const timer = setTimeout(finish, 30_000);
    socket.on('data', (c) => {
      chunks.push(c);
      if (parseResponses(Buffer.concat(chunks), false).responses.length > 0) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', async () => {
      const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`;
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 0x62);
      while (sent < size && !done && !socket.destroyed) {
        const n = Math.min(piece.length, size - sent);
        const data = chunked ? Buffer.concat([Buffer.from(n.toString(16) + '\r\n'), piece.subarray(0, n), Buffer.from('\r\n')]) : piece.subarray(0, n);
        sent += n;
        if (!socket.write(data)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
      if (chunked && !done && !socket.destroyed) socket.write('0\r\n\r\n');
    });
  });

test.serial('Status, repeated fields and dropped framing fields reach the client as the engine frames them', async (t) => {
  const { port, log } = await setup(t);
  const r = await exchange(port, 'GET /cgi/status.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi/length.sh HTTP/1.1\r\nHost: x\r\n\r\n', { expectResponses: 2, timeoutMs: 20_000 });
  const [teapot, length] = r.responses;
  t.is(teapot?.status, 418);
  t.is(teapot?.reason, 'Short And Stout');
  t.deepEqual(teapot?.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v), ['a=1', 'b=2']);
  t.is(teapot?.framing, 'chunked');
  t.is(header(teapot!, 'transfer-encoding'), 'chunked');
  t.is(header(teapot!, 'connection'), undefined);
  t.is(teapot?.body.toString(), 'teapot\n');
  t.is(length?.framing, 'length');
  t.is(header(length!, 'content-length'), '5');
  t.is(length?.body.toString(), 'hello');
  t.false(r.closed, 'the connection stays open');
  t.is(log.text(), '');
});

test.serial('a program printing less than its Content-Length gets its connection cut', async (t) => {
  const { port } = await setup(t);
  const r = await get(port, '/cgi/length.sh?lie');
  t.true(r.closed);
  t.is(r.responses.length, 0, 'no complete response');
  t.true(r.bytes.toString().startsWith('HTTP/1.1 200'));
});

test.serial('HEAD gets the fields without the body', async (t) => {
  const { port } = await setup(t);
  const r = await exchange(port, 'HEAD /cgi/status.sh HTTP/1.1\r\nHost: x\r\n\r\n', { headRequests: new Set([0]), timeoutMs: 20_000 });
  t.is(r.responses[0]?.status, 418);
  t.is(r.responses[0]?.body.length, 0);
  t.is(r.rest.length, 0);
});

test.serial('stderr goes to the log line by line, tagged with the script', async (t) => {
  const { url, log } = await setup(t);
  const res = await request(`${url}/cgi/stderr.sh`);
  t.is(await res.body.text(), 'ok\n');
  await waitFor(() => log.lines.length >= 2, 5000);
  t.deepEqual(log.lines.map((l) => [l.message, l.fields['script'], l.fields['mount'], l.fields['line']]), [
    ['stderr', '/cgi/stderr.sh', '/cgi', 'warning: one'],
    ['stderr', '/cgi/stderr.sh', '/cgi', 'warning: two'],
  ]);
});

test.serial('a program that crashes before any output is a 502, logged with its exit status and stderr', async (t) => {
  const { port, log } = await setup(t);
  const r = await get(port, '/cgi/crash.sh');
  t.is(r.responses[0]?.status, 502);
  await waitFor(() => log.lines.length >= 3, 5000);
  const text = log.text();
  t.regex(text, /stderr .*"script":"\/cgi\/crash.sh".*"line":"something went badly wrong"/);
  t.regex(text, /program failed .*"script":"\/cgi\/crash.sh".*"code":"ERR_CGI_NO_HEADERS".*"exitCode":3/);
  t.false(r.closed, 'the connection survives');
});

const badHeads: Array<[string, string]> = [
  ['garbage.sh', 'ERR_CGI_BAD_HEADERS'],
  ['injection.sh', 'ERR_CGI_BAD_HEADERS'],
  ['noheaders.sh', 'ERR_CGI_NO_HEADERS'],
  ['partial.sh', 'ERR_CGI_NO_HEADERS'],
  ['bigheader.sh', 'ERR_CGI_HEADERS_TOO_LARGE'],
];

test.serial('garbage, injected, missing, incomplete and oversized headers are a 502 with a log line', async (t) => {
  const { port, log } = await setup(t);
  for (const [script, code] of badHeads) {
    const r = await get(port, `/cgi/${script}`);
    t.is(r.responses[0]?.status, 502, script);
    t.false(r.bytes.toString('latin1').includes('pwned'), script);
    await waitFor(() => log.text().includes(script), 5000);
    t.regex(log.text(), new RegExp(`program failed .*${script.replace('.', '\\.')}.*${code}`), script);
  }
});

test.serial('a program that hangs is stopped with its children and answered 504', async (t) => {
  const { port, log } = await setup(t);
  rmSync(PIDFILE, { force: true });
  const r = await get(port, '/quick/hang.sh');
  t.is(r.responses[0]?.status, 504);
  t.regex(log.text(), /program timed out .*ERR_CGI_TIMEOUT/);
  const pid = readPid();
  t.true(await waitFor(() => groupMembers(pid).length === 0, 10_000), 'the whole process group is gone');
});

test.serial('a program that stalls after its head has the response cut and its group stopped', async (t) => {
  const { port } = await setup(t);
  rmSync(PIDFILE, { force: true });
  const r = await get(port, '/quick/slow-headers.sh');
  t.true(r.closed);
  t.is(r.responses.length, 0, 'the chunked body never completes');
  t.true(r.bytes.toString().includes('started'));
  const pid = readPid();
  t.true(await waitFor(() => groupMembers(pid).length === 0, 10_000));
});

for (const [script, what] of [['slow-headers.sh', 'SIGTERM'], ['stubborn.sh', 'SIGKILL after the grace period']] as const) {
  test.serial(`a client leaving stops the program's group (${what})`, async (t) => {
    const { port } = await setup(t);
    rmSync(PIDFILE, { force: true });
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`GET /cgi/${script} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise<void>((resolve) => socket.on('data', (c) => c.toString().includes('\r\n\r\n') && resolve()));
    const pid = readPid();
    t.true(groupMembers(pid).length >= 2, 'the program and its child run');
    // A reset, as when the client process dies: a bare FIN could be a half-close still waiting for the answer.
    socket.resetAndDestroy();
    t.true(await waitFor(() => groupMembers(pid).length === 0, 15_000), 'the whole process group is gone');
  });
}

test.serial('time spent waiting for a slow client does not count against the program timeout', async (t) => {
  const { port, log } = await setup(t);
  const socket = net.connect(port, '127.0.0.1');
  let received = 0;
  socket.on('data', (c: Buffer) => {
    received += c.length;
  });
  socket.write('GET /quick/flood.sh HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => received > 0, 20_000);
  socket.pause();
  await sleep(3000); // twice the mount's timeoutMs, with the program blocked on a full pipe
  const before = received;
  socket.resume();
  t.true(await waitFor(() => received > before + 4 * 1024 * 1024, 20_000), 'the output still flows');
  t.false(socket.destroyed);
  t.false(log.text().includes('timed out'));
  socket.resetAndDestroy();
});

test.serial('a program that writes a lot before reading a large body does not deadlock', async (t) => {
  const { url } = await setup(t);
  const body = Buffer.alloc(4 * 1024 * 1024, 0x78);
  const res = await request(`${url}/cgi/write-first.sh`, { method: 'POST', body });
  const text = await res.body.text();
  t.is(res.statusCode, 200);
  t.is(text.length, 1024 * 1024 + 1 + String(body.length).length + 1);
  t.true(text.endsWith(`\n${body.length}\n`));
});

for (const chunked of [false, true]) {
  test.serial(`a program that never reads its ${chunked ? 'chunked' : 'Content-Length'} body still answers`, async (t) => {
    const { port, log } = await setup(t);
    const { response } = await sendLargeBody(port, '/cgi/noread.sh', 16 * 1024 * 1024, chunked);
    t.is(response?.status, 200);
    t.is(response?.body.toString(), 'ignored your body\n');
    t.is(log.text(), '');
  });
}

test.serial('the request body is streamed to stdin and back, byte for byte', async (t) => {
  const { url } = await setup(t);
  const body = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const res = await request(`${url}/cgi/echo.sh`, { method: 'PUT', body });
  t.is(res.headers['x-content-length'], String(body.length));
  t.true(Buffer.from(await res.body.arrayBuffer()).equals(body));
});

test.serial('local redirects are served internally as GET; others reach the client', async (t) => {
  const { port, log } = await setup(t);
  const local = await exchange(port, 'POST /cgi/redirect.sh?local HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody', { timeoutMs: 20_000 });
  t.is(local.responses[0]?.status, 200);
  const text = local.responses[0]!.body.toString();
  t.true(text.includes('env-REQUEST_METHOD=GET\n'));
  t.true(text.includes('env-SCRIPT_NAME=/cgi/env.sh\n'));
  t.true(text.includes('env-PATH_INFO=/from-redirect\n'));
  t.true(text.includes('env-QUERY_STRING=after=1\n'));
  t.true(text.includes('env-REQUEST_URI=/cgi/env.sh/from-redirect?after=1\n'));
  t.false(text.includes('env-CONTENT_LENGTH'));
  t.false(text.includes('env-CONTENT_TYPE'));
  t.true(text.includes('stdin=\n'));

  const absolute = await get(port, '/cgi/redirect.sh?absolute');
  t.is(absolute.responses[0]?.status, 302);
  t.is(header(absolute.responses[0]!, 'location'), 'http://example.com/elsewhere');

  const outside = await get(port, '/cgi/redirect.sh?outside');
  t.is(outside.responses[0]?.status, 302);
  t.is(header(outside.responses[0]!, 'location'), '/other/place');

  const withBody = await get(port, '/cgi/redirect.sh?body');
  t.is(withBody.responses[0]?.status, 302);
  t.is(withBody.responses[0]?.body.toString(), 'moved\n');

  const withStatus = await get(port, '/cgi/redirect.sh?status');
  t.is(withStatus.responses[0]?.status, 301);
  t.is(header(withStatus.responses[0]!, 'location'), '/cgi/env.sh');
  t.is(withStatus.responses[0]?.body.toString(), 'see there\n');

  const loop = await get(port, '/cgi/redirect.sh?loop');
  t.is(loop.responses[0]?.status, 502);
  t.regex(log.text(), /too many local redirects .*ERR_CGI_REDIRECT_LOOP/);
});

test.serial('after all of the above, no child process is left', async (t) => {
  await sleep(100);
  t.deepEqual(await noChildrenLeft(15_000), []);
});
