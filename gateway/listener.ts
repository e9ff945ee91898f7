// Builds the listening socket for serve(): plain TCP (or a Unix socket), TLS,
// and either of them behind the PROXY protocol. TLS is node:tls with ALPN
// advertising http/1.1 only (Portico speaks no h2, so a client offering h2
// must not pick it). With the PROXY protocol the outer listener is always
// plain TCP, because the header comes before the TLS handshake: the header is
// read off the raw socket first (gateway/proxy-protocol.ts), then the socket is
// handed to the TLS server as if it had just been accepted, and the client
// address travels to the Connection keyed by the raw socket's peer (the TLS
// socket reports the same one). Sockets still in their handshake or header are
// tracked so that shutdown can drop them instead of waiting out their timeouts.
// The outer listener of TLS is plain TCP too: the first bytes are looked at
// before the handshake, so plain HTTP sent to the HTTPS port gets nginx's 400
// instead of an empty reply (gateway/tls-first-bytes.ts).

import net from 'node:net';
import tls from 'node:tls';
import type { PeerAddress } from '../core/index.js';
import { type ProxyProtocolOptions, readProxyHeader } from './proxy-protocol.js';
import { sortFirstBytes } from './tls-first-bytes.js';

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  [option: string]: unknown;
}

export interface ListenerOptions {
  tls?: TlsOptions;
  proxyProtocol?: boolean | ProxyProtocolOptions;
  /** Called with each connection ready for HTTP, and the client a PROXY header named. */
  accept(socket: net.Socket, peer?: PeerAddress): void;
}

export interface Listener {
  /** The socket that listens (the outer one). */
  server: net.Server;
  /** The TLS server, for replacing its certificate; null without TLS. */
  tls: tls.Server | null;
  /** Destroys connections still in their TLS handshake or PROXY header (shutdown: they hold no request yet). */
  abortOpening(): void;
}

const peerKey = (socket: net.Socket): string => `${socket.remoteAddress}|${socket.remotePort}`;

export const createListener = (options: ListenerOptions): Listener => {
  const accept = options.accept;
  const tlsServer = options.tls === undefined ? null : createTlsServer(options.tls);
  // Accepted sockets not yet handed to `accept` (in the handshake, or before the PROXY header).
  const opening = new Map<string, net.Socket>();
  const track = (raw: net.Socket): void => {
    const key = peerKey(raw);
    opening.set(key, raw);
    raw.once('close', () => {
      if (opening.get(key) === raw) opening.delete(key);
    });
  };
  const abortOpening = (): void => {
    for (const raw of opening.values()) raw.destroy();
    opening.clear();
  };
  tlsServer?.on('connection', track);
  const handshake = (raw: net.Socket): void => {
    sortFirstBytes(raw, () => tlsServer!.emit('connection', raw));
    raw.resume(); // the PROXY header reader may have paused it
  };
  if (!options.proxyProtocol) {
    if (tlsServer === null) return { server: net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => accept(s)), tls: null, abortOpening };
    tlsServer.on('secureConnection', (s: tls.TLSSocket) => {
      opening.delete(peerKey(s));
      accept(s);
    });
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (raw) => {
      track(raw);
      handshake(raw);
    });
    return { server, tls: tlsServer, abortOpening };
  }
  const proxyOptions = options.proxyProtocol === true ? {} : options.proxyProtocol;
  const peers = new Map<string, PeerAddress>();
  tlsServer?.on('secureConnection', (s: tls.TLSSocket) => {
    const key = peerKey(s);
    const peer = peers.get(key);
    peers.delete(key);
    opening.delete(key);
    accept(s, peer);
  });
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (raw) => {
    track(raw);
    readProxyHeader(raw, proxyOptions).then(
      (peer) => {
        if (raw.destroyed) return;
        if (tlsServer === null) {
          opening.delete(peerKey(raw));
          accept(raw, peer ?? undefined);
          raw.resume(); // the header reader paused it; a 'data' listener alone does not restart a paused socket
          return;
        }
        if (peer !== null) {
          const key = peerKey(raw);
          peers.set(key, peer);
          raw.once('close', () => peers.delete(key));
        }
        handshake(raw);
      },
      // A missing, malformed or late header: refuse the connection, answering nothing.
      () => raw.destroy(),
    );
  });
  return { server, tls: tlsServer, abortOpening };
};

const createTlsServer = (options: TlsOptions): tls.Server => {
  const server = tls.createServer({ ALPNProtocols: ['http/1.1'], ...options, allowHalfOpen: true } as tls.TlsOptions);
  // Handshake failures are per socket; never let them crash the process.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return server;
};

/**
 * Swaps the certificate and key for connections from now on; open ones keep
 * theirs. The new pair is checked first (a key that does not match the
 * certificate throws), so a bad reload leaves the old pair serving.
 */
export const reloadTls = (server: tls.Server, options: TlsOptions): void => {
  const context = options as tls.SecureContextOptions;
  tls.createSecureContext(context);
  server.setSecureContext(context);
};
