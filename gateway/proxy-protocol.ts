// The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2): a load
// balancer in front writes one header ahead of the client's bytes saying whom
// it accepted the connection from. The parser does no I/O: it is given what
// arrived so far and answers "need more", "done" (with the client address and
// the header's length) or throws ProxyProtocolError. readProxyHeader() is the
// driver: it reads from an accepted socket, bounded in bytes and in time, puts
// back whatever followed the header (the first HTTP bytes, or a TLS
// ClientHello) and resolves to the client address. A connection without a
// valid header is refused: a listener told to expect one must never take a
// client's own bytes for it, or anyone could claim any address.

import type net from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';
import { PorticoError, type PeerAddress } from '../core/index.js';

/** A missing or malformed PROXY protocol header: the connection is dropped, nothing is answered. */
export class ProxyProtocolError extends PorticoError<'ERR_PROXY_PROTOCOL'> {
  override readonly name = 'ProxyProtocolError';
  constructor(message: string) {
    super('ERR_PROXY_PROTOCOL', message);
  }
}

export type ProxyHeaderResult =
  | { done: false }
  /** `peer` is null for LOCAL / UNKNOWN headers (health checks): use the socket's own peer. */
  | { done: true; peer: PeerAddress | null; length: number };

const NEED_MORE: ProxyHeaderResult = { done: false };
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** v1: "the maximum line length is 107 bytes including the CRLF" (§2.1). */
const V1_MAX_LENGTH = 107;
const fail = (message: string): never => {
  throw new ProxyProtocolError(message);
};

/** Parses a PROXY header at the start of `buf`; at most `maxBytes` long (v2 TLVs included). */
export const parseProxyHeader = (buf: Buffer, maxBytes = 4096): ProxyHeaderResult => {
  if (startsLike(buf, V2_SIGNATURE)) return buf.length < V2_SIGNATURE.length ? NEED_MORE : parseV2(buf, maxBytes);
  if (startsLike(buf, V1_PREFIX)) return buf.length < V1_PREFIX.length ? NEED_MORE : parseV1(buf);
  return fail('Not a PROXY protocol header');
};

/** `buf` is `sig` or a prefix of it, or starts with it. */
const startsLike = (buf: Buffer, sig: Buffer): boolean => {
  const n = Math.min(buf.length, sig.length);
  return buf.compare(sig, 0, n, 0, n) === 0;
};

// §2.1: "PROXY" SP ( "TCP4" | "TCP6" | "UNKNOWN" ) [ SP src SP dst SP sport SP dport ] CRLF
const parseV1 = (buf: Buffer): ProxyHeaderResult => {
  const lf = buf.indexOf(0x0a);
  if (lf === -1) return buf.length >= V1_MAX_LENGTH ? fail('PROXY v1 line too long') : NEED_MORE;
  if (lf + 1 > V1_MAX_LENGTH) fail('PROXY v1 line too long');
  if (buf[lf - 1] !== 0x0d) fail('PROXY v1 line must end with CRLF');
  const line = buf.toString('latin1', 0, lf - 1);
  const parts = line.split(' ');
  const length = lf + 1;
  // "UNKNOWN": the sender cannot tell; the rest of the line is to be ignored.
  if (parts[1] === 'UNKNOWN') return { done: true, peer: null, length };
  if (parts.length !== 6) fail('PROXY v1 line must have 6 fields');
  const [, proto, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 'IPv4' : proto === 'TCP6' ? 'IPv6' : fail(`Unknown PROXY v1 protocol ${JSON.stringify(proto)}`);
  const valid = family === 'IPv4' ? isIPv4 : isIPv6;
  if (!valid(src) || !valid(dst)) fail('Bad address in PROXY v1 line');
  parsePort(dport);
  return { done: true, peer: { address: src, port: parsePort(sport), family }, length };
};

/** Decimal 0–65535 without leading zeros (§2.1). */
const parsePort = (text: string): number => {
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) fail('Bad port in PROXY v1 line');
  return Number(text);
};

// §2.2: 12-byte signature, version/command, family/transport, 16-bit length,
// addresses, then TLVs (ignored: they carry nothing Portico needs).
const parseV2 = (buf: Buffer, maxBytes: number): ProxyHeaderResult => {
  if (buf.length < 16) return NEED_MORE;
  const versionCommand = buf[12]!;
  if (versionCommand >> 4 !== 2) fail('PROXY v2 version must be 2');
  const command = versionCommand & 0x0f;
  if (command > 1) fail('Unknown PROXY v2 command');
  const familyTransport = buf[13]!;
  const length = 16 + buf.readUInt16BE(14);
  if (length > maxBytes) fail('PROXY v2 header too long');
  if (buf.length < length) return NEED_MORE;
  // LOCAL: the proxy's own connection (a health check); the socket's peer is the truth.
  if (command === 0) return { done: true, peer: null, length };
  const family = familyTransport >> 4;
  if ((familyTransport & 0x0f) > 2) fail('Unknown PROXY v2 transport');
  switch (family) {
    case 0x1: // AF_INET: src, dst (4 bytes each), sport, dport
      if (length < 16 + 12) fail('PROXY v2 address block too short');
      return { done: true, peer: { address: `${buf[16]}.${buf[17]}.${buf[18]}.${buf[19]}`, port: buf.readUInt16BE(24), family: 'IPv4' }, length };
    case 0x2: // AF_INET6: src, dst (16 bytes each), sport, dport
      if (length < 16 + 36) fail('PROXY v2 address block too short');
      return { done: true, peer: { address: ipv6(buf, 16), port: buf.readUInt16BE(48), family: 'IPv6' }, length };
    case 0x0: // AF_UNSPEC
    case 0x3: // AF_UNIX: no address an HTTP app could use
      return { done: true, peer: null, length };
    default:
      return fail('Unknown PROXY v2 address family');
  }
};

const ipv6 = (buf: Buffer, at: number): string => {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(at + 2 * i).toString(16));
  // Compress the longest run of zero groups (RFC 5952 §4.2).
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best === -1) return groups.join(':');
  return groups.slice(0, best).join(':') + '::' + groups.slice(best + bestLength).join(':');
};

export interface ProxyProtocolOptions {
  /** Milliseconds to wait for the whole header. Default 10 s. */
  timeoutMs?: number;
  /** Largest header accepted (v2 with TLVs). Default 4096. */
  maxBytes?: number;
}

/**
 * Reads the PROXY header off a freshly accepted socket. Bytes after the header
 * are put back (unshift) so whoever reads the socket next sees them first.
 * Rejects (the caller closes the socket) on a malformed header, a timeout, or a
 * socket that closes first.
 */
export const readProxyHeader = (socket: net.Socket, options: ProxyProtocolOptions = {}): Promise<PeerAddress | null> =>
  new Promise((resolve, reject) => {
    let buffered: Buffer | null = null;
    const settle = (err: Error | null, peer: PeerAddress | null = null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(peer);
    };
    const onData = (chunk: Buffer): void => {
      const buf: Buffer = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
      let result;
      try {
        result = parseProxyHeader(buf, options.maxBytes);
      } catch (err) {
        settle(err as Error);
        return;
      }
      if (!result.done) {
        buffered = buf;
        return;
      }
      socket.pause();
      if (result.length < buf.length) socket.unshift(buf.subarray(result.length));
      settle(null, result.peer);
    };
    const onEnd = (): void => settle(new ProxyProtocolError('Connection closed before the PROXY header'));
    const timer = setTimeout(() => settle(new ProxyProtocolError('PROXY header not received in time')), options.timeoutMs ?? 10_000);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
    socket.on('close', onEnd);
  });
