// A FastCGI application written for the tests, on a Unix socket: it reads the
// records a client sends (BEGIN_REQUEST, PARAMS, STDIN, ABORT_REQUEST), keeps
// what it saw per connection, and answers as each test's `answer` says, byte
// for byte, so the specs can play the misbehaving and unusual applications
// php-fpm never is: one that interleaves another request id, breaks the
// protocol, says it is overloaded, or stays silent.

import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { RecordParser } from '../../../adapters/fastcgi/record-parser.js';
import { RecordType, decodePairs, recordParts, streamRecords } from '../../../adapters/fastcgi/protocol.js';

export interface SeenRequest {
  id: number;
  keepConn: boolean;
  params: Record<string, string>;
  stdin: Buffer;
  aborted: boolean;
  connection: number;
}

export type Answer = (request: SeenRequest, reply: Reply) => void;

export interface Reply {
  stdout(data: string | Buffer, id?: number): void;
  stderr(data: string, id?: number): void;
  end(appStatus?: number, protocolStatus?: number, id?: number): void;
  raw(bytes: Buffer): void;
  socket: net.Socket;
}

export const endRecord = (id: number, appStatus: number, protocolStatus: number): Buffer => {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus, 0);
  body[4] = protocolStatus;
  return Buffer.concat(recordParts(RecordType.EndRequest, id, body));
};

export interface FakeApp {
  address: string;
  requests: SeenRequest[];
  connections: number;
  /** Called when an ABORT_REQUEST arrives. */
  onAbort: ((request: SeenRequest, reply: Reply) => void) | null;
  close(): Promise<void>;
}

export const startFakeApp = async (answer: Answer): Promise<FakeApp> => {
  const file = path.join(os.tmpdir(), `portico-fake-fcgi-${process.pid}-${Math.random().toString(16).slice(2)}.sock`);
  const app: FakeApp = {
    address: `unix:${file}`,
    requests: [],
    connections: 0,
    onAbort: null,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const connection = ++app.connections;
    const parser = new RecordParser();
    let current: SeenRequest | null = null;
    let params: Buffer[] = [];
    let stdin: Buffer[] = [];
    const reply: Reply = {
      stdout: (data, id) => socket.write(Buffer.concat(streamRecords(RecordType.Stdout, id ?? current!.id, Buffer.from(data)))),
      stderr: (data, id) => socket.write(Buffer.concat(streamRecords(RecordType.Stderr, id ?? current!.id, Buffer.from(data)))),
      end: (appStatus = 0, protocolStatus = 0, id) => {
        const rid = id ?? current!.id;
        socket.write(Buffer.concat([...streamRecords(RecordType.Stdout, rid, Buffer.alloc(0)), endRecord(rid, appStatus, protocolStatus)]));
      },
      raw: (bytes) => socket.write(bytes),
      socket,
    };
    socket.on('data', (chunk) => {
      let events;
      try {
        events = parser.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const e of events) {
        if (e.type !== 'other') continue;
        switch (e.recordType) {
          case RecordType.BeginRequest:
            current = { id: e.requestId, keepConn: (e.content[2]! & 1) === 1, params: {}, stdin: Buffer.alloc(0), aborted: false, connection };
            params = [];
            stdin = [];
            break;
          case RecordType.Params:
            if (e.content.length > 0) params.push(e.content);
            else current!.params = Object.fromEntries(decodePairs(Buffer.concat(params)));
            break;
          case RecordType.Stdin:
            if (e.content.length > 0) stdin.push(e.content);
            else {
              current!.stdin = Buffer.concat(stdin);
              app.requests.push(current!);
              answer(current!, reply);
            }
            break;
          case RecordType.AbortRequest:
            if (current !== null && current.id === e.requestId) {
              current.aborted = true;
              app.onAbort?.(current, reply);
            }
            break;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(file, r));
  const close = app.close;
  app.close = async () => {
    for (const s of sockets) s.destroy();
    await close();
    fs.rmSync(file, { force: true });
  };
  return app;
};
