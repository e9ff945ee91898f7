// The socket a node:http app sees as req.socket and res.socket: the
// connection's own net.Socket (a tls.TLSSocket on TLS), the same object for
// every request of a keep-alive connection, as node:http hands it out.
//
// Why the real socket rather than an imitation: it is what the server's
// 'connection' event gives (connection trackers such as http-terminator match
// socket._httpMessage against it), TLS apps read getPeerCertificate() and
// `encrypted` from it, and destroy(), end(), setTimeout(), bytesRead and
// bytesWritten need no imitation. It costs nothing per request. What an app does
// to it, it does to the connection: raw writes before a response reach the
// client (the app has taken the connection over, as on node:http), destroy()
// cuts it, and the engine sees the close and ends the exchange.
//
// A client address learnt from a PROXY protocol header is set on the socket as
// own properties, once per connection, so the app sees the client, not the proxy.
// The comparison itself is made once per connection too (the socket is marked
// with its Connection): the socket's address getters cost a call each.

import net from 'node:net';
import type { ConnectionView, Env } from '../env.js';

const kAddressed = Symbol('portico.addressed');

/** The connection whose client address the socket was checked against. */
type AddressedSocket = net.Socket & { [kAddressed]?: ConnectionView };

/** The connection's socket for `env`'s request. */
export const connectionSocket = (env: Env): net.Socket => {
  const conn = env.extensions['portico.connection'];
  const socket = conn?.socket as AddressedSocket | undefined;
  if (socket === undefined) return unconnectedSocket(env);
  if (socket[kAddressed] !== conn) {
    socket[kAddressed] = conn;
    if (socket.remotePort !== conn!.remotePort || socket.remoteAddress !== conn!.remoteAddress) adopt(socket, conn!);
  }
  return socket;
};

const adopt = (socket: AddressedSocket, conn: ConnectionView): void => {
  for (const [name, value] of [['remoteAddress', conn.remoteAddress], ['remotePort', conn.remotePort], ['remoteFamily', conn.remoteFamily]] as const) {
    Object.defineProperty(socket, name, { value, configurable: true });
  }
};

/**
 * An env made elsewhere (a test harness, another server) names no connection:
 * the app gets an unconnected net.Socket that carries the env's addresses, so
 * that reading them works and writing to it fails as on a closed socket.
 */
const unconnectedSocket = (env: Env): net.Socket => {
  const socket = new net.Socket();
  const values: Record<string, unknown> = {
    remoteAddress: env.remoteAddress,
    remotePort: env.remotePort,
    remoteFamily: env.remoteAddress.includes(':') ? 'IPv6' : 'IPv4',
    localAddress: env.localAddress,
    localPort: env.localPort,
  };
  if (env.secure) values['encrypted'] = true;
  for (const name of Object.keys(values)) Object.defineProperty(socket, name, { value: values[name], configurable: true });
  socket.on('error', () => {});
  return socket;
};
