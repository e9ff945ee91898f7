// The deliberate differences between portico/node and node:http (docs/node.md,
// "Deliberate differences"): where RFC 9110/9112 forbid what node:http lets
// through, Portico refuses. Each is shown against node:http itself, so that the
// test fails if either side changes.

import test from 'ava';
import express from 'express';
import { createServer } from '../../../gateway/node-entry.js';
import { exchange } from '../../helpers/raw-client.js';
import { portOf, startNodeServer } from './peers.js';
import type { AddressInfo } from 'node:net';

test('a Host that is not host[:port] (Host: http://example.com): node:http runs the app, Portico answers 400 (RFC 9112 §3.2)', async (t) => {
  // Express's own test "res.redirect() when accepting html should escape the url" sends this Host.
  const app = express();
  app.use((_req, res) => res.redirect("<la'me>"));
  const node = await startNodeServer(t, app);
  const portico = createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => portico.once('listening', r));
  t.teardown(() => new Promise<void>((r) => portico.close(() => r())));
  const raw = 'GET / HTTP/1.1\r\nHost: http://example.com\r\nAccept: text/html\r\n\r\n';
  const fromNode = await exchange(portOf(`http://127.0.0.1:${(node.address() as AddressInfo).port}`), raw);
  const fromPortico = await exchange((portico.address() as AddressInfo).port, raw);
  t.is(fromNode.responses[0]!.status, 302);
  t.is(fromPortico.responses[0]!.status, 400);
  t.true(fromPortico.closed);
});
