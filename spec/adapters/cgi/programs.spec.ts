// Real, unmodified CGI programs behind Portico: php-cgi (Debian's php-cgi)
// reading $_GET and $_POST (also from a chunked request), setting a status and
// redirecting; a Perl program using CGI.pm for a form POST and a multipart
// upload; a Python program reading a JSON body.

import type { ExecutionContext } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request, FormData } from 'undici';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { startServer } from '../../helpers/server.js';
import { FIXTURES, captureLog } from './helpers.js';
import { needs } from '../../helpers/system-program.js';

// Each interpreter on its own: a machine without php-cgi still runs the Perl and Python tests.
const php = needs('php-cgi').test;
const perl = needs('perl', 'perl CGI.pm').test;
const python = needs('python3').test;

const VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface PhpAnswer {
  get: Record<string, unknown>;
  post: Record<string, unknown> | unknown[];
  method: string;
  content_length: string | null;
  script: string;
  path_info: string | null;
}

const setup = async (t: ExecutionContext) => {
  const log = captureLog();
  const server = await startServer(t, { mounts: { '/cgi': cgiApp({ root: FIXTURES, logger: log }) } });
  return { ...server, log };
};

const form = 'a=1&b=two+words&c%5B%5D=x&c%5B%5D=y';
const formFields = { a: '1', b: 'two words', c: ['x', 'y'] };

php('php-cgi: $_GET, and the script and path it was given', async (t) => {
  const { url } = await setup(t);
  const res = await request(`${url}/cgi/form.php/extra?x=1&y%5B%5D=a&y%5B%5D=b`);
  t.is(res.statusCode, 200);
  t.regex(String(res.headers['content-type']), /^application\/json/);
  const answer = (await res.body.json()) as PhpAnswer;
  t.deepEqual(answer.get, { x: '1', y: ['a', 'b'] });
  t.is(answer.method, 'GET');
  t.is(answer.script, '/cgi/form.php');
  t.is(answer.path_info, '/extra');
});

php('php-cgi: $_POST from a Content-Length body', async (t) => {
  const { url } = await setup(t);
  const res = await request(`${url}/cgi/form.php`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const answer = (await res.body.json()) as PhpAnswer;
  t.deepEqual(answer.post, formFields);
  t.is(answer.content_length, String(form.length));
});

php('php-cgi: $_POST from a chunked body (spooled, so CONTENT_LENGTH is set)', async (t) => {
  const { url } = await setup(t);
  const body = Readable.from([form.slice(0, 7), form.slice(7, 20), form.slice(20)].map((s) => Buffer.from(s)));
  const res = await request(`${url}/cgi/form.php?via=chunked`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const answer = (await res.body.json()) as PhpAnswer;
  t.deepEqual(answer.post, formFields);
  t.deepEqual(answer.get, { via: 'chunked' });
  t.is(answer.content_length, String(form.length));
});

php('php-cgi: http_response_code() sets the status; header("Location: ...") redirects', async (t) => {
  const { url } = await setup(t);
  const created = await request(`${url}/cgi/form.php?code=201`);
  t.is(created.statusCode, 201);
  await created.body.dump();
  const gone = await request(`${url}/cgi/form.php?code=410`);
  t.is(gone.statusCode, 410);
  await gone.body.dump();
  for (const location of ['/elsewhere', 'https://example.com/next?x=1']) {
    const res = await request(`${url}/cgi/form.php?go=${encodeURIComponent(location)}`);
    t.is(res.statusCode, 302, location);
    t.is(res.headers['location'], location);
    await res.body.dump();
  }
});

php('php-cgi: a query like "-s" is never an option (CVE-2012-1823)', async (t) => {
  const { url } = await setup(t);
  const res = await request(`${url}/cgi/form.php?-s`);
  const text = await res.body.text();
  t.false(text.includes('<?php'), 'the source is not shown');
  t.false(text.includes('<code>'), 'nor highlighted');
  t.deepEqual((JSON.parse(text) as PhpAnswer).get, { '-s': '' });
});

perl('Perl CGI.pm: a urlencoded form POST', async (t) => {
  const { url } = await setup(t);
  const res = await request(`${url}/cgi/form.pl`, { method: 'POST', body: 'x=1&x=2&y=hello+world', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), 'method=POST\nparam x=1,2\nparam y=hello world\n');
});

perl('Perl CGI.pm: a multipart upload arrives intact', async (t) => {
  const { url, log } = await setup(t);
  const file = randomBytes(700 * 1024);
  const data = new FormData();
  data.append('title', 'a picture');
  data.append('upload', new Blob([file], { type: 'image/x-test' }), 'photo.bin');
  const res = await request(`${url}/cgi/form.pl`, { method: 'POST', body: data });
  t.is(res.statusCode, 200);
  const md5 = createHash('md5').update(file).digest('hex');
  t.is(await res.body.text(), `method=POST\nparam title=a picture\nupload name=photo.bin size=${file.length} md5=${md5}\nupload type=image/x-test\n`);
  t.is(log.text(), '');
});

python('Python: a JSON body in, Status and JSON out', async (t) => {
  const { url } = await setup(t);
  const res = await request(`${url}/cgi/app.py/items?tag=a&tag=b`, { method: 'POST', body: JSON.stringify({ name: 'widget', count: 3 }), headers: { 'content-type': 'application/json' } });
  t.is(res.statusCode, 201);
  t.deepEqual(await res.body.json(), {
    query: { tag: ['a', 'b'] },
    data: { name: 'widget', count: 3 },
    path_info: '/items',
    server_software: `Portico/${VERSION}`,
  });
});
