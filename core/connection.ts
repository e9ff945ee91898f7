// The socket driver: the only part of the engine that does I/O. It feeds a
// ServerConnection (server-connection.ts) the socket's bytes, FIN, drain and
// close, and carries out its commands: write, pause or resume reading, end,
// abort, detach. Writes are corked and flushed once per event loop turn, so a
// burst of pipelined responses leaves in one write. One set of listener
// functions serves every socket (no closures per connection): idle keep-alive
// connections are counted in kilobytes.
//
// A FIN or reset is seen only while the socket is read: not while reading is
// paused because a body the app leaves unread filled bodyHighWaterMark, nor while
// pipelined bytes past maxReadAheadBytes wait. Then it is noticed when reading
// resumes or a write fails.

import type { Socket } from 'node:net';
import type { HttpError } from './errors.js';
import type { OutgoingResponse, Chunk } from './response.js';
import { ServerConnection } from './server-connection.js';
import type { ConnectionCommands, ExchangeHandler, ServerConnectionOptions } from './connection-contract.js';
import type { ConnectionState } from './connection-state.js';

export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** True for TLS connections. */
  readonly secure: boolean;
}

/** A client address learnt from elsewhere than the socket (a PROXY protocol header). */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
  readonly family?: string;
}

export type ConnectionHandler = ExchangeHandler<Connection>;

export type ConnectionOptions = ServerConnectionOptions;

export class Connection implements ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly localAddress: string;
  readonly localPort: number;
  private readonly machine: ServerConnection<Connection>;

  constructor(
    readonly socket: Socket,
    readonly secure: boolean,
    handler: ConnectionHandler,
    options: ConnectionOptions,
    /** The client as a proxy in front reported it (PROXY protocol); else the socket's peer. */
    peer?: PeerAddress,
  ) {
    this.remoteAddress = peer?.address ?? socket.remoteAddress ?? '';
    this.remotePort = peer?.port ?? socket.remotePort ?? 0;
    this.remoteFamily = peer?.family ?? socket.remoteFamily ?? '';
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    // The socket reads on its own (its handle reads until paused), so the stream's
    // "read more" step, a process.nextTick after every chunk that only re-asks for
    // reading, is skipped while the engine owns the socket: node's IncomingMessage
    // sets the same flag, and node:http's sockets, read by its parser, never take it.
    readableState(socket).readingMore = true;
    const driver = new SocketDriver(socket);
    this.machine = driver.machine = new ServerConnection(driver, handler, this, options);
    (socket as OwnedSocket)[kDriver] = driver;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketClose);
    socket.on('close', onSocketClose);
  }

  /** Bytes read from and written to the socket (queued writes included). */
  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /** True while a request is being served. */
  get busy(): boolean {
    return this.machine.busy;
  }

  /** Requests served on this connection. */
  get requests(): number {
    return this.machine.requests;
  }

  get state(): ConnectionState {
    return this.machine.state;
  }

  /** Graceful shutdown: serve what is in flight, read no new request, close when idle. */
  shutdown(): void {
    this.machine.shutdown();
  }

  /** Cuts the connection; a pending exchange fails with `err` (else ERR_CONNECTION_DESTROYED). */
  destroy(err?: Error): void {
    this.machine.destroy(err);
  }

  /** See ServerConnection.preempt: a response timeout's error page replaces `res`. */
  preempt(res: OutgoingResponse, err: HttpError): void {
    this.machine.preempt(res, err);
  }
}

/** Carries out the machine's commands on a socket. */
class SocketDriver implements ConnectionCommands {
  corked = false;
  machine!: ServerConnection<Connection>;

  constructor(readonly socket: Socket) {}

  write(data: Chunk, latin1: boolean): boolean {
    const socket = this.socket;
    // The socket's own count, not just this flag: apps given the socket (node's
    // ServerResponse.end() uncorks it fully) may have flushed it meanwhile, and a head
    // and body written uncorked would cost two system calls.
    if (socket.writableCorked === 0) {
      socket.cork();
      if (!this.corked) {
        this.corked = true;
        process.nextTick(uncork, this);
      }
    }
    return typeof data === 'string' ? socket.write(data, latin1 ? 'latin1' : 'utf8') : socket.write(data);
  }

  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  setReading(on: boolean): void {
    if (on) this.socket.resume();
    else this.socket.pause();
  }

  end(): void {
    this.socket.end();
  }

  close(): void {
    const socket = this.socket;
    // end() rather than destroy(): a TLS connection sends its close_notify first.
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', destroyAfterFin);
  }

  abort(): void {
    // What was written goes out first (it may still be corked), so the client sees a
    // truncated message rather than nothing at all.
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    this.socket.destroy();
  }

  detach(): Socket {
    const socket = this.socket;
    // Only the engine's own listeners go: node's internal ones (end → half-close
    // handling) must stay for the new owner.
    socket.off('data', onSocketData);
    socket.off('end', onSocketEnd);
    socket.off('drain', onSocketDrain);
    socket.off('error', onSocketClose);
    socket.off('close', onSocketClose);
    if (this.corked) {
      this.corked = false;
      socket.uncork();
    }
    readableState(socket).readingMore = false;
    // Neither flowing nor paused: bytes wait in the socket until the new owner adds a
    // 'data' listener (or reads), which starts the flow, as node:http leaves an upgraded socket.
    socket.pause();
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    socket.on('error', () => socket.destroy()); // an error listener must stay
    return socket;
  }
}

/** The stream state field the constructor sets (a Readable's own, as node's IncomingMessage touches it). */
const readableState = (socket: Socket): { readingMore: boolean } => (socket as unknown as { _readableState: { readingMore: boolean } })._readableState;

const kDriver = Symbol('portico.driver');
type OwnedSocket = Socket & { [kDriver]: SocketDriver };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  const driver = this[kDriver];
  // Responses written while the bytes are handled leave in one write.
  if (driver.corked) {
    driver.machine.receive(chunk);
    return;
  }
  driver.corked = true;
  this.cork();
  driver.machine.receive(chunk);
  driver.corked = false;
  this.uncork();
}
function onSocketEnd(this: OwnedSocket): void {
  this[kDriver].machine.receiveEnd();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kDriver].machine.drained();
}
function onSocketClose(this: OwnedSocket): void {
  this[kDriver].machine.transportClosed();
}

function destroyAfterFin(this: Socket): void {
  this.destroy();
}

function uncork(driver: SocketDriver): void {
  driver.corked = false;
  driver.socket.uncork();
}
