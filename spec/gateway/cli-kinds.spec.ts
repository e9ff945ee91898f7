// `portico MODULE` for every kind of app module, detected or forced (the CLI
// side of gateway/load-app.ts): each is started as a user would and answers.
import test from 'ava';
import path from 'node:path';
import { request } from 'undici';
import { REPO, startCli } from '../helpers/cli.js';

const FIX = path.join(REPO, 'spec/gateway/cli-fixtures');

const get = async (url: string): Promise<{ status: number; body: string }> => {
  const res = await request(url, { headersTimeout: 15_000, bodyTimeout: 15_000 });
  return { status: res.statusCode, body: await res.body.text() };
};

// MODULE, and the answer its app gives to GET /hi.
const KINDS: Array<[string, string[], string | RegExp]> = [
  ['native app marked with porticoKind', ['native.mjs'], /^native \|\/hi\|\d+$/],
  ['unmarked native app with --kind native', ['--kind', 'native', 'unmarked-native.mjs'], 'native-unmarked /hi'],
  ['native app whose first parameter is env', ['env-native.mjs'], 'env-native |/hi'],
  ['an adapter-made app: samples/koa.mjs exports nodeApp(app.callback())', ['../../../samples/koa.mjs'], /^Hello from Koa at \/hi/],
  ['Fetch handler (request) => Response', ['fetch.mjs'], 'fetch /hi'],
  ['{ fetch } object', ['fetch-object.mjs'], '{"kind":"fetch-object","method":"GET","path":"/hi"}'],
  ['module exporting fetch()', ['named-fetch.mjs'], 'named-fetch /hi'],
  ['(req, res) function', ['node.mjs'], 'node GET /hi'],
  ['Express app', ['express.mjs'], 'express /hi'],
  ['Koa app', ['koa.mjs'], 'koa /hi'],
  ['Connect app', ['connect.mjs'], 'connect /hi'],
  ['Hono app', ['hono.mjs'], 'hono /hi'],
];
for (const [name, args, expected] of KINDS) {
  test.serial(`MODULE: ${name}`, async (t) => {
    const cli = await startCli(t, ['--port', '0', ...args.slice(0, -1), args.at(-1)!], { cwd: FIX });
    const r = await get(cli.url + '/hi');
    t.is(r.status, 200);
    if (typeof expected === 'string') t.is(r.body, expected);
    else t.regex(r.body, expected);
  });
}

test.serial('--kind overrides the guess: a (req, res)-looking native app is wrong without it', async (t) => {
  // Without --kind, two parameters mean (req, res): the native app gets a node request and fails.
  const guessed = await startCli(t, ['--port', '0', `${FIX}/unmarked-native.mjs`]);
  t.is((await get(guessed.url + '/hi')).body, 'native-unmarked undefined'); // a node request has no pathInfo
  const forced = await startCli(t, ['--port', '0', '--kind', 'fetch', `${FIX}/native.mjs`]);
  // --kind wins over the module's own marker too: a native app run as a Fetch handler fails.
  t.is((await get(forced.url + '/hi')).status, 500);
});

