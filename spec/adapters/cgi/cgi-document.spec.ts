// The CGI document reader both the CGI and the FastCGI adapter feed, behind a
// real Portico: a native app pushes a program's output into it (whole, one
// byte per push, and cut at seeded random points) and a real client reads the
// answer. What the reader could not send (a lone local redirect, a bad head)
// the app answers itself, so the client sees what the reader reported.

import test from 'ava';
import net from 'node:net';
import type { Responder } from '../../../adapters/env.js';
import { CgiDocumentReader, DocumentPhase } from '../../../adapters/cgi/cgi-document.js';
import { bytesOf, piecesAt, randomCuts, seededRandom } from '../../helpers/fixtures.js';
import { startServer } from '../../helpers/server.js';

type Feed = 'whole' | 'bytes' | 'random';
const FEEDS: Feed[] = ['whole', 'bytes', 'random'];

const piecesOf = (output: Buffer, feed: Feed, seed: number): Buffer[] => {
  if (feed === 'whole') return [output];
  if (feed === 'bytes') return [...output].map((b) => Buffer.from([b]));
  return piecesAt(output, randomCuts(seededRandom(seed), output.length, 6));
};

interface Reported {
  badHead: string[];
  writeFailed: number;
  clientGone: number;
}

/** Feeds `output` to a reader for `res`; answers 299 with what the reader left to its owner. */
const runDocument = (res: Responder, output: Buffer, feed: Feed, seed: number): void => {
  const reported: Reported = { badHead: [], writeFailed: 0, clientGone: 0 };
  const reader = new CgiDocumentReader(res, 1024, { pause() {}, resume() {} }, {
    badHead: (err) => void reported.badHead.push(err.code),
    writeFailed: () => void reported.writeFailed++,
    clientGone: () => void reported.clientGone++,
    drained: () => {},
  });
  for (const piece of piecesOf(output, feed, seed)) reader.push(piece);
  const endError = reader.end();
  if (res.headersSent) return;
  res.writeHead(299, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ...reported, redirect: reader.redirect, phase: reader.phase, headStarted: reader.headStarted, endError: endError?.message ?? null }));
};

const OUTPUTS: Record<string, string> = {
  document: 'Status: 201 Made Here\r\nContent-Type: text/plain\nX-One: 1\r\n\r\nbody bytes\n',
  plain: 'Content-Type: text/html\n\n<p>hi</p>',
  localRedirect: 'Location: /elsewhere?a=1\n\n',
  redirectWithBody: 'Location: /elsewhere\n\nmoved',
  clientRedirect: 'Location: https://example.org/x\n\n',
  badStatus: 'Status: 99 Early\n\nx',
  badLine: 'Content-Type text/plain\n\nx',
  incomplete: 'Content-Type: text/plain\n',
};

const serveOutputs = async (t: import('ava').ExecutionContext, feed: Feed) => {
  const seed = 1517;
  const { url } = await startServer(t, {
    app: (env, res) => runDocument(res, bytesOf(OUTPUTS[env.pathInfo.slice(1)]!), feed, seed),
  });
  return (name: string) => fetch(`${url}/${name}`, { redirect: 'manual' });
};

for (const feed of FEEDS) {
  test(`fed ${feed}: a document with Status, its reason, its fields and its body`, async (t) => {
    const get = await serveOutputs(t, feed);
    const res = await get('document');
    t.is(res.status, 201);
    t.is(res.statusText, 'Made Here');
    t.is(res.headers.get('content-type'), 'text/plain');
    t.is(res.headers.get('x-one'), '1');
    t.false(res.headers.has('status'));
    t.is(await res.text(), 'body bytes\n');
    const plain = await get('plain');
    t.is(plain.status, 200);
    t.is(await plain.text(), '<p>hi</p>');
  });

  test(`fed ${feed}: a lone local Location is left to the owner; with a body after it, a 302 (RFC 3875 §6.2.4)`, async (t) => {
    const get = await serveOutputs(t, feed);
    const local = await get('localRedirect');
    t.is(local.status, 299);
    t.like(await local.json(), { redirect: '/elsewhere?a=1', phase: DocumentPhase.RedirectPending, badHead: [] });
    const withBody = await get('redirectWithBody');
    t.is(withBody.status, 302);
    t.is(withBody.headers.get('location'), '/elsewhere');
    t.is(await withBody.text(), 'moved');
    const client = await get('clientRedirect');
    t.is(client.status, 302);
    t.is(client.headers.get('location'), 'https://example.org/x');
  });

  test(`fed ${feed}: a bad or incomplete header block sends nothing and is reported`, async (t) => {
    const get = await serveOutputs(t, feed);
    for (const name of ['badStatus', 'badLine']) {
      const res = await get(name);
      t.is(res.status, 299, name);
      t.like(await res.json(), { badHead: ['ERR_CGI_BAD_HEADERS'], phase: DocumentPhase.Done }, name);
    }
    const incomplete = await get('incomplete');
    t.like(await incomplete.json(), { badHead: [], phase: DocumentPhase.Head, headStarted: true, redirect: null });
  });
}

test('a client that does not read pauses the source; reading resumes it', async (t) => {
  const events: string[] = [];
  let resumed: () => void = () => {};
  const resumedOnce = new Promise<void>((r) => (resumed = r));
  let total = 0;
  const { port } = await startServer(t, {
    app: (_env, res) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let reader: CgiDocumentReader;
      const source = {
        pause: () => void events.push('pause'),
        resume: () => {
          events.push('resume');
          pump();
        },
      };
      const pump = (): void => {
        // Like a pipe: data flows while the source is not paused, up to 8 MiB in all.
        while (!reader.paused && total < 8 * 1024 * 1024) {
          reader.push(chunk);
          total += chunk.length;
        }
        if (total >= 8 * 1024 * 1024 && !reader.paused) {
          reader.end();
          resumed();
        }
      };
      reader = new CgiDocumentReader(res, 1024, source, { badHead() {}, writeFailed() {}, clientGone() {}, drained: () => void events.push('drained') });
      reader.push(bytesOf('Content-Type: application/octet-stream\n\n'));
      pump();
    },
  });
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  socket.pause();
  // Nothing is read: the reader must have paused its source well before the 8 MiB.
  const deadline = Date.now() + 5_000;
  while (!events.includes('pause') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.true(events.includes('pause'));
  const atPause = total;
  await new Promise((r) => setTimeout(r, 100));
  t.is(total, atPause, 'nothing more was pushed while paused');
  t.true(atPause < 8 * 1024 * 1024);
  let received = 0;
  socket.on('data', (c: Buffer) => (received += c.length));
  socket.resume();
  await resumedOnce;
  await new Promise<void>((r) => socket.once('close', () => r()));
  t.true(received > 8 * 1024 * 1024);
  t.deepEqual(events.slice(0, 3), ['pause', 'drained', 'resume']);
});
