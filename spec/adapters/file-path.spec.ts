// Paths the adapters take (adapters/file-path.ts): a string relative to the
// working directory, or a file: URL, so a module can name files next to itself
// (`new URL('./site', import.meta.url)`). Each adapter is given URLs and serves
// real requests; a relative root that is not there says where it was looked for.

import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import { relativeHint, toPath } from '../../adapters/file-path.js';
import { OptionError } from '../../adapters/option-error.js';
import { staticApp } from '../../adapters/static/index.js';
import { cgiApp } from '../../adapters/cgi/index.js';
import { fastcgiApp } from '../../adapters/fastcgi/index.js';
import { startServer } from '../helpers/server.js';
import { FIXTURES } from './cgi/helpers.js';
import { startFakeApp } from './fastcgi/fake-app.js';

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-file-path-'));
fs.writeFileSync(path.join(ROOT, 'a.txt'), 'from a URL root');
fs.writeFileSync(path.join(ROOT, 'app.php'), '');
test.after.always(() => fs.rmSync(ROOT, { recursive: true, force: true }));

test('toPath: strings resolve against the working directory; file: URLs, as objects or strings, are taken as they are', (t) => {
  t.is(toPath('site', 'root'), path.join(process.cwd(), 'site'));
  t.is(toPath('/srv/site', 'root'), '/srv/site');
  t.is(toPath(new URL('file:///srv/my%20site/'), 'root'), '/srv/my site');
  t.is(toPath('file:///srv/site', 'root'), '/srv/site');
  t.is(toPath(new URL('./site', 'file:///srv/app/config.mjs'), 'root'), '/srv/app/site');
  t.throws(() => toPath(new URL('https://example.com/site'), '"root"'), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION', message: '"root" must be a path or a file: URL, got a https: URL' } as never);
  t.throws(() => toPath('', '"root"'), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION', message: /got an empty string/ } as never);
  t.throws(() => toPath(42, '"root"', 'a folder path'), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION', message: '"root" must be a folder path or a file: URL, got number' } as never);
  t.throws(() => toPath('file://elsewhere/site', '"root"'), { instanceOf: OptionError, code: 'ERR_INVALID_OPTION' } as never);
});

test('a relative root that is not there says it was looked for in the working directory, and how to name one next to the module', (t) => {
  t.is(relativeHint('/abs'), '');
  t.is(relativeHint(new URL('file:///x')), '');
  const err = t.throws(() => staticApp({ root: './no-such-site-here' }), { message: /no-such-site-here cannot be used/ });
  t.true(err!.message.includes(`resolves against the working directory, ${process.cwd()}`), err!.message);
  t.true(err!.message.includes(`new URL("./no-such-site-here", import.meta.url)`), err!.message);
  t.false(t.throws(() => staticApp({ root: path.join(ROOT, 'missing') }))!.message.includes('working directory'));
});

test('staticApp, cgiApp (root and script) and fastcgiApp (root and a unix: address) take file: URLs', async (t) => {
  const fake = await startFakeApp((req, reply) => {
    reply.stdout(`Content-Type: text/plain\r\n\r\nfcgi ${req.params['SCRIPT_FILENAME']}`);
    reply.end();
  });
  t.teardown(() => fake.close());
  const socketUrl = pathToFileURL(fake.address.slice('unix:'.length));
  const fcgi = fastcgiApp({ address: socketUrl, root: pathToFileURL(ROOT + '/') });
  t.teardown(() => fcgi.close());
  const { url } = await startServer(t, {
    mounts: {
      '/files': staticApp({ root: pathToFileURL(ROOT) }),
      '/cgi': cgiApp({ root: pathToFileURL(FIXTURES) }),
      '/one': cgiApp({ script: pathToFileURL(path.join(FIXTURES, 'status.sh')).href }),
      '/php': fcgi,
    },
  });
  const get = async (p: string) => {
    const res = await request(url + p);
    return { status: res.statusCode, body: await res.body.text() };
  };
  t.deepEqual(await get('/files/a.txt'), { status: 200, body: 'from a URL root' });
  const env = await get('/cgi/env.sh');
  t.is(env.status, 200);
  t.regex(env.body, /^env-SCRIPT_FILENAME=.*\/spec\/fixtures\/cgi\/env\.sh$/m);
  t.deepEqual(await get('/one'), { status: 418, body: 'teapot\n' });
  t.deepEqual(await get('/php/app.php'), { status: 200, body: `fcgi ${path.join(ROOT, 'app.php')}` });
  t.throws(() => cgiApp({ root: new URL('http://example.com/cgi') as unknown as string }), { message: /cgiApp: `root` must be a folder path or a file: URL/ });
});
