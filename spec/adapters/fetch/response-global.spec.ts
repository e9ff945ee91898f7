// When the light Response is the global one (response-global.ts): while a
// Portico server hosting a Fetch app listens, by default, and Node's own again
// once the last such server closed; never with `lightResponse: false`; never
// over a Response someone else installed. And for a Hono module served by the
// `portico` command, the way most users meet it.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchApp } from '../../../adapters/fetch/index.js';
import { LightResponse, NodeResponse } from '../../../adapters/fetch/light-response.js';
import { holdLightResponse, lightResponseInstalled } from '../../../adapters/fetch/response-global.js';
import { startServer } from '../../helpers/server.js';
import { REPO, startCli } from '../../helpers/cli.js';

// The handler says which Response it builds with.
const which = () => new Response(LightResponse.is(new Response('probe')) ? 'light' : 'node');

// Serial: each test checks the process-wide global, which the others change.
test.serial('held while a server hosting a Fetch app listens, given back when it closes', async (t) => {
  t.is(globalThis.Response, NodeResponse, 'not before');
  const app = fetchApp(which);
  t.is(globalThis.Response, NodeResponse, 'not for making the app');
  const a = await startServer(null, { app });
  t.true(lightResponseInstalled());
  t.is(await (await fetch(a.url)).text(), 'light');
  const b = await startServer(null, { mounts: { '/x': fetchApp(which), '/y': app } });
  await a.server.close();
  t.true(lightResponseInstalled(), 'still held by the other server');
  t.is(await (await fetch(`${b.url}/y`)).text(), 'light');
  await b.server.close();
  t.is(globalThis.Response, NodeResponse, 'Node\'s again once the last one closed');
});

test.serial('not held with lightResponse: false, nor by a server without Fetch apps', async (t) => {
  const off = await startServer(null, { app: fetchApp(which, { lightResponse: false }) });
  const native = await startServer(null, { app: () => ({ status: 200, body: 'native' }) });
  t.false(lightResponseInstalled());
  t.is(await (await fetch(off.url)).text(), 'node');
  await Promise.all([off.server.close(), native.server.close()]);
  t.is(globalThis.Response, NodeResponse);
});

test.serial('a Response installed by someone else is neither replaced nor restored', async (t) => {
  class Foreign extends NodeResponse {}
  globalThis.Response = Foreign;
  try {
    const { server, url } = await startServer(null, { app: fetchApp(() => new Response('foreign')) });
    t.is(globalThis.Response, Foreign);
    t.is(await (await fetch(url)).text(), 'foreign', 'its Responses are sent');
    await server.close();
    t.is(globalThis.Response, Foreign);
  } finally {
    globalThis.Response = NodeResponse;
  }
});

test.serial('holds are counted; a release given twice counts once', (t) => {
  const first = holdLightResponse();
  const second = holdLightResponse();
  first();
  first();
  t.true(lightResponseInstalled());
  second();
  t.false(lightResponseInstalled());
});

/** A Hono app module answering which Response it builds with; `exported` is its default export. */
const honoModule = (t: { teardown(fn: () => void): void }, exported: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-light-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const module = path.join(dir, 'app.mjs');
  fs.writeFileSync(
    module,
    `import { Hono } from ${JSON.stringify(path.join(REPO, 'node_modules/hono/dist/index.js'))};\n` +
      `import { fetchApp } from ${JSON.stringify(path.join(REPO, 'dist/adapters/fetch/index.js'))};\n` +
      `const app = new Hono();\n` +
      `app.get('/', (c) => c.text(Object.getPrototypeOf(Response) === Function.prototype ? 'node' : 'light'));\n` +
      `export default ${exported};\n`,
  );
  return module;
};

test('a Hono module served by the portico command gets the light Response', async (t) => {
  const cli = await startCli(t, ['-p', '0', honoModule(t, 'app')]);
  const res = await fetch(cli.url);
  t.is(res.headers.get('content-type'), 'text/plain;charset=UTF-8');
  t.is(await res.text(), 'light');
});

test('a module served by the portico command opts out by exporting fetchApp(app, { lightResponse: false })', async (t) => {
  const cli = await startCli(t, ['-p', '0', honoModule(t, 'fetchApp(app, { lightResponse: false })')]);
  t.is(await (await fetch(cli.url)).text(), 'node');
});
