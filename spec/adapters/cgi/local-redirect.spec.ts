// The env of an internal redirect: the Location's path normalised like a
// request path, kept under the mount, as a GET without the body's fields.

import test from 'ava';
import { RequestBody } from '../../../core/index.js';
import type { Env } from '../../../adapters/env.js';
import { normalizeLocalPath, redirectEnv } from '../../../adapters/cgi/local-redirect.js';
import { envFixture } from '../../helpers/env-fixture.js';

const original = (): Env =>
  envFixture({
    method: 'POST',
    scriptName: '/cgi',
    pathInfo: '/a.sh',
    rawPathInfo: '/a.sh',
    queryString: 'x=1',
    target: '/cgi/a.sh?x=1',
    headers: { host: 'h', 'content-type': 'text/plain', 'content-length': '4', cookie: 'a=1' },
    rawHeaders: ['Host', 'h', 'Content-Type', 'text/plain', 'Content-Length', '4', 'Cookie', 'a=1'],
    body: new RequestBody(4, 1024),
  });

test('paths are decoded per segment with dot-segments resolved, %2F and %25 kept', (t) => {
  t.deepEqual(normalizeLocalPath('/cgi/./x/../b%20c.sh/d'), { path: '/cgi/b c.sh/d', rawPath: '/cgi/b%20c.sh/d' });
  t.deepEqual(normalizeLocalPath('/cgi/b%20c.sh/%2e%2e/d'), { path: '/cgi/d', rawPath: '/cgi/d' });
  t.deepEqual(normalizeLocalPath('/cgi/a%2Fb%25c'), { path: '/cgi/a%2Fb%25c', rawPath: '/cgi/a%2Fb%25c' });
  t.deepEqual(normalizeLocalPath('/../../x/..'), { path: '/', rawPath: '/' });
  t.is(normalizeLocalPath('/bad%zz'), null);
  t.is(normalizeLocalPath('/nul%00'), null);
});

test('the new env is a bodiless GET of the Location under the same mount', (t) => {
  const next = redirectEnv(original(), '/cgi/other.sh/p%20q?y=2#frag')!;
  t.is(next.method, 'GET');
  t.is(next.scriptName, '/cgi');
  t.is(next.pathInfo, '/other.sh/p q');
  t.is(next.rawPathInfo, '/other.sh/p%20q');
  t.is(next.queryString, 'y=2');
  t.is(next.target, '/cgi/other.sh/p%20q?y=2');
  t.is(next.body.length, 0);
  t.deepEqual(next.headers, { host: 'h', cookie: 'a=1' });
  t.deepEqual(next.rawHeaders, ['Host', 'h', 'Cookie', 'a=1']);
});

test('a Location outside the mount, or one that cannot be decoded, is not followed internally', (t) => {
  t.is(redirectEnv(original(), '/elsewhere/x'), null);
  t.is(redirectEnv(original(), '/cgiother/x'), null);
  t.is(redirectEnv(original(), '/cgi/../etc/passwd'), null);
  t.is(redirectEnv(original(), '/cgi/%zz'), null);
  t.not(redirectEnv(original(), '/cgi'), null);
  t.not(redirectEnv({ ...original(), scriptName: '' }, '/anything'), null);
});
