// A client that goes away aborts its request, as on node:http: whether it
// resets or sends its FIN while the response is pending, req gets 'aborted'
// and 'close', res 'close' without 'finish', res.destroyed is true, and pending
// write callbacks get their error; Express's res.sendFile(path, cb) hears of it.
// Each case runs the same handler on node:http and on Portico and compares the
// events the app saw.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type http from 'node:http';
import test, { type ExecutionContext } from 'ava';
import express from 'express';
import { createServer } from '../../../gateway/node-entry.js';
import { startNodeServer } from './peers.js';

type Leave = 'fin' | 'reset';

/** A handler that starts a response (or not) and records what it is told, until res 'close'. */
const recorder = (startResponse: boolean) => {
  let done!: (events: string[]) => void;
  const seen = new Promise<string[]>((r) => (done = r));
  let entered!: () => void;
  const started = new Promise<void>((r) => (entered = r));
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const events: string[] = [];
    req.on('aborted', () => events.push('req aborted'));
    req.on('close', () => events.push('req close'));
    res.on('finish', () => events.push('res finish'));
    res.on('close', () => {
      events.push(`res close destroyed=${res.destroyed} writableFinished=${res.writableFinished}`);
      // A write after the client left: its callback gets an error, nothing throws.
      res.write('late', (err) => {
        events.push(`late write cb ${err ? 'error' : 'ok'}`);
        setTimeout(() => done(events), 20);
      });
    });
    req.resume();
    if (startResponse) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    }
    entered();
  };
  return { handler, seen, started };
};

const leaveMidResponse = async (port: number, leave: Leave, started: Promise<void>): Promise<void> => {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('data', () => {});
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await started;
  await new Promise((r) => setTimeout(r, 20));
  if (leave === 'fin') socket.end();
  else socket.resetAndDestroy();
};

const eventsOn = async (t: ExecutionContext, on: 'node' | 'portico', leave: Leave, startResponse: boolean): Promise<string[]> => {
  const { handler, seen, started } = recorder(startResponse);
  let port: number;
  if (on === 'node') port = ((await startNodeServer(t, handler)).address() as net.AddressInfo).port;
  else {
    const server = createServer(handler).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    port = (server.address() as net.AddressInfo).port;
  }
  await leaveMidResponse(port, leave, started);
  return seen;
};

for (const leave of ['fin', 'reset'] as const) {
  for (const startResponse of [false, true]) {
    test(`a client ${leave === 'fin' ? 'FIN' : 'reset'} ${startResponse ? 'after the head went out' : 'before any response'}: the app sees what node:http shows`, async (t) => {
      const expected = await eventsOn(t, 'node', leave, startResponse);
      const actual = await eventsOn(t, 'portico', leave, startResponse);
      t.deepEqual(actual, expected);
      t.true(actual.some((e) => e.startsWith('res close destroyed=true')));
      t.false(actual.includes('res finish'));
    });
  }
}

test('res.sendFile(path, cb) gets its error when the client leaves mid-file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-sendfile-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'big.bin');
  fs.writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 1));
  let report!: (err: (Error & { code?: string }) | undefined) => void;
  const reported = new Promise<(Error & { code?: string }) | undefined>((r) => (report = r));
  const app = express();
  app.get('/', (_req, res) => res.sendFile(file, (err) => report(err as Error)));
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  // Read the head and a little of the body, then leave.
  await new Promise((r) => socket.once('data', r));
  socket.pause();
  socket.end();
  const err = await reported;
  t.truthy(err);
  t.is(err!.code, 'ECONNABORTED');
});
