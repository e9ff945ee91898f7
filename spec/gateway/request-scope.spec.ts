// A stray error is tied to the request whose async context raised it: the
// commonest Express 4 mistake (an async route that throws, which Express 4
// never catches) answers that request with a 500 at once, logged with its mount
// and stack, while a request in flight beside it is untouched and the process
// goes on. Checked through the CLI and through serve() in a script of its own
// (both child processes: the test runner's own process listeners would count a
// stray error in this process as a failed test). An error outside any request
// still ends a serve() script as node would.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { REPO, startCli, stopCli, type RunningCli } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-scope-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const EXPRESS_APP = `
import express from 'express';
const app = express();
app.get('/boom', async () => { await new Promise((r) => setTimeout(r, 5)); throw new Error('async route boom'); });
app.get('/later', (req, res) => { setTimeout(() => { throw new Error('timer boom'); }, 5); });
app.get('/slow', (req, res) => { setTimeout(() => res.send('slow and fine'), 400); });
app.get('/ok', (req, res) => res.send('ok'));
export default app;
`;
const appFile = path.join(tmp, 'express-app.mjs');
fs.writeFileSync(appFile, EXPRESS_APP.replace("from 'express'", `from ${JSON.stringify(pathToFileURL(path.join(REPO, 'node_modules/express/index.js')).href)}`));

const serveScript = path.join(tmp, 'serve-script.mjs');
fs.writeFileSync(
  serveScript,
  `import { serve } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/gateway/index.js')).href)};
import { nodeApp } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/adapters/node/index.js')).href)};
import app from ${JSON.stringify(pathToFileURL(appFile).href)};
const server = await serve({ port: 0, mounts: { '/api': nodeApp(app) } });
console.log('listening on ' + server.url);
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
// An error outside any request: node's own ending.
process.once('SIGUSR2', () => { throw new Error('outside any request'); });
`,
);

const get = async (url: string) => {
  const started = performance.now();
  const res = await request(url, { headersTimeout: 20_000, bodyTimeout: 20_000 });
  return { status: res.statusCode, body: await res.body.text(), ms: performance.now() - started };
};

const strayErrorsFailTheirRequest = async (t: import('ava').ExecutionContext, server: RunningCli, base: string, mount: string) => {
  const slow = get(`${base}/slow`);
  const boom = await get(`${base}/boom`);
  t.is(boom.status, 500);
  t.true(boom.ms < 5_000, `the 500 came after ${Math.round(boom.ms)} ms`);
  const line = await server.waitFor(/app failed \(unhandled rejection\)/);
  t.true(line.includes(`mount=${JSON.stringify(mount)}`) || line.includes(`"mount":"${mount}"`), line);
  const log = server.stderr.join('\n');
  t.regex(log, /async route boom/);
  t.regex(log, /at .*express-app\.mjs:\d+:\d+/, 'the stack names the route');
  const later = await get(`${base}/later`);
  t.is(later.status, 500);
  await server.waitFor(/app failed \(uncaught exception\)/);
  t.regex(server.stderr.join('\n'), /timer boom/);
  t.deepEqual(await slow.then((r) => [r.status, r.body]), [200, 'slow and fine'], 'the request beside it is untouched');
  t.is((await get(`${base}/ok`)).body, 'ok');
  t.is(server.child.exitCode, null, 'the process goes on');
};

test.serial('through the CLI: an Express 4 async route that throws gets a 500 at once', async (t) => {
  const cli = await startCli(t, ['--port', '0', '--mount', `/api=${appFile}`]);
  await strayErrorsFailTheirRequest(t, cli, `${cli.url}/api`, '/api');
});

test.serial('through serve(): the same, and an error outside any request still ends the process', async (t) => {
  const script = await startCli(t, [], { cli: serveScript, cwd: tmp });
  await strayErrorsFailTheirRequest(t, script, `${script.url}/api`, '/api');
  script.child.kill('SIGUSR2');
  t.is(await script.exited, 1);
  t.regex(script.stderr.join('\n'), /uncaught exception: Error: outside any request/);
  await stopCli(script);
});
