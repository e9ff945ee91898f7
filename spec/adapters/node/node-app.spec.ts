// nodeApp itself: a client that leaves early (events in node:http's order),
// handlers that throw or reject, a handler that is not a function, and a body
// piped straight back (backpressure both ways through the adapter).

import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import test from 'ava';
import { nodeApp, type NodeHandler } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { request } from 'undici';
import express from 'express';
import { startNodeServer } from './peers.js';

/** Sends a POST declaring `declared` body bytes but sending 4, waits for the first response bytes, then resets. */
const leaveEarly = async (port: number, declared: number): Promise<void> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\nbody`);
  await new Promise((r) => socket.once('data', r));
  socket.resetAndDestroy(); // RST: a client that is gone, not one that half-closed
};

const recordDisconnect = async (start: (h: NodeHandler) => Promise<number>, declared: number): Promise<string[]> => {
  let resolve!: (events: string[]) => void;
  const done = new Promise<string[]>((r) => (resolve = r));
  const handler: NodeHandler = (req, res) => {
    const events: string[] = [];
    const settle = (): void => void setTimeout(() => resolve(events), 100);
    req.on('aborted', () => events.push('req aborted'));
    req.on('error', (err: Error & { code?: string }) => events.push(`req error ${err.message} ${err.code}`));
    req.on('end', () => events.push('req end'));
    req.on('close', () => events.push(`req close complete=${req.complete}`));
    res.on('finish', () => events.push('res finish'));
    res.on('close', () => {
      events.push(`res close writableFinished=${res.writableFinished} destroyed=${res.destroyed}`);
      settle();
    });
    req.once('data', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
  };
  await leaveEarly(await start(handler), declared);
  return done;
};

for (const [what, declared] of [['while the body still arrives', 100], ['after the body, mid-response', 4]] as const) {
  test(`a client that leaves ${what}: 'close' without 'finish', in node:http's order`, async (t) => {
    const onNode = await recordDisconnect(async (h) => ((await startNodeServer(t, h)).address() as AddressInfo).port, declared);
    const onPortico = await recordDisconnect(async (h) => (await startServer(t, { app: nodeApp(h) })).port, declared);
    t.false(onPortico.includes('res finish'));
    t.true(onPortico.some((e) => e.startsWith('res close writableFinished=false destroyed=true')));
    if (declared > 4) t.true(onPortico.includes('req aborted') && onPortico.includes('req error aborted ECONNRESET'));
    t.deepEqual(onPortico, onNode);
  });
}

test('a handler that throws gets a 500, logged with its mount; the connection and server live on', async (t) => {
  const app = nodeApp((req, res) => {
    if (req.url === '/throw') throw new Error('sync boom');
    if (req.url === '/reject') return Promise.reject(new Error('async boom'));
    res.end('fine');
    return res; // a return value is not an AppResponse
  });
  const { port, errors } = await startServer(t, { mounts: { '/m': app } });
  const raw = ['/m/throw', '/m/ok', '/m/reject', '/m/ok'].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
  const r = await exchange(port, raw, { expectResponses: 4 });
  t.deepEqual(r.responses.map((x) => x.status), [500, 200, 500, 200]);
  t.false(r.closed);
  t.is(errors.length, 2);
  t.regex(errors[0]!, /"mount":"\/m".*sync boom/);
  t.regex(errors[1]!, /async boom/);
});

test('nodeApp refuses a handler that is not a function', (t) => {
  t.throws(() => nodeApp(undefined as unknown as NodeHandler), { instanceOf: TypeError });
});

test('req.pipe(res) echoes a large body with backpressure both ways', async (t) => {
  const app = nodeApp((req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    req.pipe(res);
  });
  const { url } = await startServer(t, { app });
  const size = 16 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  const body = Readable.from((function* () {
    for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
  })());
  const res = await request(url, { method: 'PUT', body });
  let received = 0;
  let intact = true;
  for await (const part of res.body) {
    const bytes = part as Buffer;
    for (let i = 0; i < bytes.length; i += 4099) if (bytes[i] !== ((received + i) % (64 * 1024)) % 251) intact = false;
    received += bytes.length;
  }
  t.is(received, size);
  t.true(intact);
});

test('one keep-alive connection serves Express requests that read, ignore or lack a body', async (t) => {
  const app = express();
  app.post('/json', express.json(), (req, res) => res.json(req.body));
  app.post('/ignored', (_req, res) => res.send('did not read it'));
  app.get('/', (_req, res) => res.send('root'));
  const { port } = await startServer(t, { app: nodeApp(app) });
  const body = '{"k":"v"}';
  const raw =
    'GET / HTTP/1.1\r\nHost: x\r\n\r\n' +
    `POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
    'POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde' +
    'GET /missing HTTP/1.1\r\nHost: x\r\n\r\n' +
    'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await exchange(port, raw, { expectResponses: 5, settleMs: 100 });
  t.deepEqual(r.responses.map((x) => [x.status, x.body.toString().slice(0, 15)]), [
    [200, 'root'],
    [200, '{"k":"v"}'],
    [200, 'did not read it'],
    [404, '<!DOCTYPE html>'],
    [200, 'root'],
  ]);
  t.false(r.closed);
});

test('a completed exchange emits node:http\'s events in node:http\'s order', async (t) => {
  const record = async (start: (h: NodeHandler) => Promise<number>): Promise<string[][]> => {
    const all: string[][] = [];
    let done!: () => void;
    let expected = 0;
    const finished = new Promise<void>((r) => (done = r));
    const handler: NodeHandler = (req, res) => {
      const events: string[] = [];
      all.push(events);
      for (const e of ['end', 'close', 'aborted']) req.on(e, () => events.push(`req ${e}`));
      for (const e of ['prefinish', 'finish', 'close']) res.on(e, () => events.push(`res ${e}`));
      res.on('close', () => setTimeout(() => ++expected === 3 && done(), 30));
      if (req.url === '/read') {
        req.resume();
        req.on('end', () => res.end('read'));
      } else if (req.url === '/stream') {
        res.write('a');
        setImmediate(() => res.end('b'));
      } else {
        res.end('not read');
      }
    };
    const port = await start(handler);
    const raw =
      'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' +
      'POST /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' +
      'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n';
    await exchange(port, raw, { expectResponses: 3 });
    await finished;
    return all;
  };
  const onNode = await record(async (h) => ((await startNodeServer(t, h)).address() as AddressInfo).port);
  const onPortico = await record(async (h) => (await startServer(t, { app: nodeApp(h) })).port);
  t.deepEqual(onPortico[0], ['req end', 'res prefinish', 'res finish', 'res close', 'req close']);
  t.deepEqual(onPortico[1], ['res prefinish', 'res finish', 'res close', 'req end', 'req close']); // the unread body is dumped
  t.deepEqual(onPortico, onNode);
});
