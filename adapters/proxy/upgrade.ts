// Protocol upgrades (WebSocket) through the proxy: a tunnel. Portico opens its
// own net/tls connection to the upstream, writes the request head itself
// (hop-by-hop fields removed, Connection: upgrade and Upgrade put back, the
// forwarding fields added) and reads the upstream's response head, bounded in
// size and time. On 101 the client's socket is taken from the engine
// (Responder.detach()), the upstream's head is relayed verbatim, and the two
// sockets are piped both ways (pipe() carries the backpressure); either side
// closing or failing ends both. An upstream that declines (any other status)
// has its answer relayed as an ordinary response.

import net from 'node:net';
import tls from 'node:tls';
import type { Env, Responder } from '../env.js';
import { ChunkedDecoder } from '../../core/chunked-decoder.js';
import { responseFields, requestFields } from './headers.js';
import { ProxyError, sendProxyError } from './proxy-error.js';
import { upstreamPath, type ResolvedProxy } from './proxy-app.js';

const MAX_HEAD_BYTES = 64 * 1024;

interface UpstreamHead {
  status: number;
  headers: Record<string, string | string[]>;
  /** The head's bytes, status line to the empty line. */
  raw: Buffer;
  /** Bytes that followed the head. */
  rest: Buffer;
}

export const tunnelUpgrade = async (env: Env, res: Responder, config: ResolvedProxy): Promise<void> => {
  let upstream: net.Socket | null = null;
  try {
    upstream = await connect(config);
    const fields = requestFields(env, config.forward, true);
    let head = `${env.method} ${upstreamPath(env, config.basePath)} HTTP/1.1\r\n`;
    for (let i = 0; i < fields.length; i += 2) head += fields[i] + ': ' + fields[i + 1] + '\r\n';
    upstream.write(head + '\r\n', 'latin1');
    const answer = await readHead(upstream, config.headersTimeout);
    if (res.aborted) {
      upstream.destroy();
      return;
    }
    if (answer.status === 101) {
      splice(res, upstream, answer);
      return;
    }
    await relay(env, res, upstream, answer);
  } catch (err) {
    upstream?.destroy();
    sendProxyError(env, res, config, err as Error);
  }
};

const connect = (config: ResolvedProxy): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const url = config.url;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], ...config.tls })
      : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProxyError('ERR_PROXY_CONNECT_TIMEOUT', 'Connecting to the upstream timed out'));
    }, config.connectTimeout);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });

/** Reads up to the end of the response head (RFC 9112 §2.1), then stops reading. */
const readHead = (socket: net.Socket, timeoutMs: number): Promise<UpstreamHead> =>
  new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (err: Error | null, head?: UpstreamHead): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(head!);
    };
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_HEAD_BYTES) finish(new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Upstream response head too large'));
        return;
      }
      socket.pause();
      try {
        finish(null, parseHead(buffered.subarray(0, end + 4), buffered.subarray(end + 4)));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onEnd = (): void => finish(new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Upstream closed before its response head'));
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(() => finish(new ProxyError('ERR_PROXY_TIMEOUT', 'Upstream response head not received in time')), timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
  });

const parseHead = (raw: Buffer, rest: Buffer): UpstreamHead => {
  const lines = raw.toString('latin1').slice(0, -4).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]!);
  if (!m) throw new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Malformed upstream status line');
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Malformed upstream header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { status: Number(m[1]), headers, raw, rest };
};

/** Joins the client and the upstream after 101 Switching Protocols. */
const splice = (res: Responder, upstream: net.Socket, answer: UpstreamHead): void => {
  const { socket: client, head } = res.detach();
  client.write(answer.rest.length === 0 ? answer.raw : Buffer.concat([answer.raw, answer.rest]));
  if (head.length > 0) upstream.write(head);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  // A half-close is passed on (pipe's end: true), so a WebSocket close handshake completes.
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.resume();
};

/**
 * The upstream declined the upgrade and answered an ordinary response: pass it
 * on, its body delimited as the upstream delimited it (RFC 9112 §6.3): none,
 * Content-Length, chunked (decoded here, re-framed by the engine), or close.
 */
const relay = async (env: Env, res: Responder, upstream: net.Socket, answer: UpstreamHead): Promise<void> => {
  const { status, headers } = answer;
  if (status < 200) throw new ProxyError('ERR_PROXY_BAD_RESPONSE', `Upstream answered an upgrade with ${status}`);
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  let mode: 'none' | 'length' | 'chunked' | 'close';
  let remaining = 0;
  if (env.method === 'HEAD' || status === 204 || status === 304) mode = 'none';
  else if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(String(te))) throw new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Upstream used an unknown transfer coding');
    mode = 'chunked';
  } else if (cl !== undefined) {
    remaining = Number(cl);
    if (typeof cl !== 'string' || !/^\d{1,15}$/.test(cl)) throw new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Invalid upstream Content-Length');
    mode = 'length';
  } else mode = 'close';
  res.writeHead(status, responseFields(headers));
  const decoder = mode === 'chunked' ? new ChunkedDecoder(1024, 8192) : null;
  let finished = mode === 'none' || (mode === 'length' && remaining === 0);
  const parts = (chunk: Buffer): Buffer[] => {
    if (mode === 'close') return [chunk];
    if (decoder === null) {
      const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= part.length;
      finished = remaining === 0;
      return [part];
    }
    const out: Buffer[] = [];
    for (let pos = 0; pos < chunk.length && !decoder.done; ) {
      pos = decoder.decode(chunk, pos, chunk.length);
      if (decoder.data !== null) out.push(decoder.data);
    }
    finished = decoder.done;
    return out;
  };
  const send = async (chunk: Buffer): Promise<void> => {
    for (const part of parts(chunk)) {
      if (!res.write(part) && !res.aborted) await new Promise<void>((r) => res.onDrain(r));
    }
  };
  if (!finished && answer.rest.length > 0) await send(answer.rest);
  while (!finished && !res.aborted) {
    const chunk = await nextChunk(upstream);
    if (chunk === null) {
      if (mode !== 'close') throw new ProxyError('ERR_PROXY_BAD_RESPONSE', 'Upstream closed before the end of its response');
      break;
    }
    await send(chunk);
  }
  upstream.destroy();
  if (!res.aborted) res.end();
};

const nextChunk = (socket: net.Socket): Promise<Buffer | null> =>
  new Promise((resolve) => {
    const done = (chunk: Buffer | null): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      resolve(chunk);
    };
    const onData = (chunk: Buffer): void => done(chunk);
    const onEnd = (): void => done(null);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.resume();
  });
