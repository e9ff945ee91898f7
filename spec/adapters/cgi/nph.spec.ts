// nph- programs write the whole response, status line included: passed through
// untouched on a connection that then closes. A silent failure is still a 502.

import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { FIXTURES, captureLog } from './helpers.js';

const setup = async (t: ExecutionContext) => {
  const log = captureLog();
  const server = await startServer(t, { mounts: { '/cgi': cgiApp({ root: FIXTURES, logger: log }) } });
  return { ...server, log };
};

test('the output goes out byte for byte and the connection closes, even with a request pipelined behind', async (t) => {
  const { port } = await setup(t);
  const r = await exchange(port, 'GET /cgi/nph-raw.sh HTTP/1.1\r\nHost: x\r\n\r\nGET /cgi/env.sh HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 20_000 });
  t.true(r.closed);
  t.is(r.bytes.toString('latin1'), 'HTTP/1.1 299 Custom Raw\r\nX-Nph: yes\r\n\r\nraw body, read 0 bytes\n');
});

test('the program reads the request body, Content-Length or chunked', async (t) => {
  const { port } = await setup(t);
  const plain = await exchange(port, 'POST /cgi/nph-raw.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', { timeoutMs: 20_000 });
  t.true(plain.bytes.toString().endsWith('read 5 bytes\n'));
  const chunked = await exchange(port, 'POST /cgi/nph-raw.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n', { timeoutMs: 20_000 });
  t.true(chunked.bytes.toString().endsWith('read 7 bytes\n'));
});

test('an nph- program that fails before any output gets the usual 502', async (t) => {
  const { port, log } = await setup(t);
  const r = await exchange(port, 'GET /cgi/nph-silent.sh HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 20_000 });
  t.is(r.responses[0]?.status, 502);
  t.regex(log.text(), /program failed .*nph-silent/);
});

test('a body arriving late still reaches a program that writes before it reads (read in full first)', async (t) => {
  const { port } = await setup(t);
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write('POST /cgi/nph-early.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello');
  await new Promise((r) => setTimeout(r, 300));
  socket.write(' world');
  await closed;
  t.is(Buffer.concat(chunks).toString(), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread 11 bytes\n');
});
