// A real upstream for the proxy specs: an Express app on node:http (port 0,
// 127.0.0.1) with a `ws` WebSocket server on the same port. It records what it
// received so tests can check what the proxy forwarded.

import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
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

/** Whether a connection to 127.0.0.1:`port` is refused (no answer within 2 s: not). */
const refuses = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

/**
 * A port nothing listens on, nor will while the tests run: the first below 1024
 * that refuses a connection. Those are outside the range the kernel hands out for
 * port 0, so no other test's server can take it, as it could take an ephemeral
 * port bound and released (a run saw the "refused" upstream answer 404 from some
 * other server that got the port).
 */
export const closedPort = async (): Promise<number> => {
  for (let port = 1; port < 1024; port++) if (await refuses(port)) return port;
  throw new Error('no port below 1024 on 127.0.0.1 refuses connections');
};
