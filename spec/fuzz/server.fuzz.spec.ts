// Property tests against a real server: arbitrary bytes from a client always end
// in well-formed responses or a close (never a hang, never a crash), and whatever
// an app sends, framed by Portico, reads back unchanged through undici's client.

import test from 'ava';
import fc from 'fast-check';
import { request as undiciRequest } from 'undici';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import { request, response, runs, type GeneratedResponse } from './arbitraries.js';
import type { App } from '../../gateway/index.js';

const echoApp: App = async (env) => ({ status: 200, body: await env.body.bytes() });

test('arbitrary bytes end in valid responses or a close, and the server lives on', async (t) => {
  const { port, url } = await startServer(t, { app: echoApp, timeouts: { headersMs: 1000, bodyMs: 1000 } });
  const noise = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
    fc.tuple(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([r, edits]) => {
      const b = Buffer.from(r.bytes);
      for (const [pos, byte] of edits) b[pos % b.length] = byte;
      return b;
    }),
  );
  await fc.assert(
    fc.asyncProperty(noise, async (bytes) => {
      // Half-close after sending: the server must answer what it can and then close.
      const r = await exchange(port, bytes, { halfClose: true, expectResponses: 1000, timeoutMs: 4000 });
      if (!r.closed) throw new Error(`server neither answered nor closed: ${JSON.stringify(bytes.toString('latin1'))}`);
      for (const res of r.responses) if (res.status < 100 || res.status > 599) throw new Error(`bad status ${res.status}`);
    }),
    { numRuns: runs(120) },
  );
  const res = await undiciRequest(url + '/alive', { method: 'POST', body: 'still here' });
  t.is(await res.body.text(), 'still here');
});

test('responses apps send read back unchanged through undici', async (t) => {
  let current: GeneratedResponse | undefined;
  const app: App = (_env, res) => {
    const g = current!;
    res.writeHead(g.status, g.headers);
    if (g.streamed) {
      for (const part of g.parts) res.write(part);
      res.end();
    } else {
      res.end(Buffer.concat(g.parts));
    }
  };
  const { url } = await startServer(t, { app });
  await fc.assert(
    fc.asyncProperty(response, fc.constantFrom('GET', 'HEAD'), async (g, method) => {
      current = g;
      const res = await undiciRequest(url + '/r', { method });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== g.status) throw new Error(`status ${res.statusCode} != ${g.status}`);
      for (const [name, value] of g.headers) {
        const got = res.headers[name.toLowerCase()];
        if (got !== value) throw new Error(`header ${name}: ${JSON.stringify(got)} != ${JSON.stringify(value)}`);
      }
      const noBody = method === 'HEAD' || g.status === 204 || g.status === 304;
      const expected = noBody ? Buffer.alloc(0) : Buffer.concat(g.parts);
      if (!body.equals(expected)) throw new Error(`body differs (${body.length} vs ${expected.length} bytes)`);
    }),
    { numRuns: runs(300) },
  );
  t.pass();
});
