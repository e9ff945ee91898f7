// A real upstream for the proxy specs: an Express app on node:http (port 0,
// 127.0.0.1) with a `ws` WebSocket server on the same port. It records what it
// received so tests can check what the proxy forwarded.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { WebSocketServer } from 'ws';

export interface Upstream {
  url: string;
  port: number;
  server: http.Server;
  app: express.Express;
  wss: WebSocketServer;
  /** The head of every upgrade request the WebSocket server saw. */
  upgrades: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export const startUpstream = async (setup: (app: express.Express) => void, tls?: { key: Buffer; cert: Buffer }): Promise<Upstream> => {
  const app = express();
  setup(app);
  const server = tls ? https.createServer(tls, app) : http.createServer(app);
  const upgrades: Upstream['upgrades'] = [];
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/declined-chunked') {
      socket.end('HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n8\r\n allowed\r\n0\r\n\r\n');
      return;
    }
    if (req.url === '/declined-close') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\n\r\nuntil close');
      return;
    }
    if (!req.url?.startsWith('/ws')) {
      // Declined: an ordinary response with a known length.
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nX-Declined: yes\r\n\r\nno socket');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${String(data)}`, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    app,
    wss,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A port nothing listens on (bound, then released). */
export const closedPort = async (): Promise<number> => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};
