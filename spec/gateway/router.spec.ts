// Prefix routing (gateway/router.ts): segment boundaries, the longest prefix,
// methods (405 with Allow, HEAD following GET), virtual hosts.

import test from 'ava';
import type { App } from '../../gateway/index.js';
import { Router } from '../../gateway/router.js';

const app = (name: string): App => Object.assign(() => ({ status: 200, body: name }), { appName: name });
const nameOf = (r: ReturnType<Router['route']>): string =>
  r.kind === 'found' ? `${(r.mount.app as unknown as { appName: string }).appName} ${JSON.stringify(r.scriptName)} ${JSON.stringify(r.pathInfo)}` : r.kind === 'method-not-allowed' ? `405 ${r.allow.join(',')}` : '404';

test('segment boundaries and the longest prefix', (t) => {
  const router = new Router({ '/': app('root'), '/app': app('app'), '/app/admin/': app('admin') });
  t.is(nameOf(router.route('GET', '/', 'h')), 'root "" "/"');
  t.is(nameOf(router.route('GET', '/app', 'h')), 'app "/app" ""');
  t.is(nameOf(router.route('GET', '/app/', 'h')), 'app "/app" "/"');
  t.is(nameOf(router.route('GET', '/app/x', 'h')), 'app "/app" "/x"');
  t.is(nameOf(router.route('GET', '/apple', 'h')), 'root "" "/apple"');
  t.is(nameOf(router.route('GET', '/app/admin/users', 'h')), 'admin "/app/admin" "/users"');
  t.is(nameOf(router.route('GET', '/app/administrator', 'h')), 'app "/app" "/administrator"');
});

test('nothing mounted is a 404', (t) => {
  const router = new Router({ '/only': app('only') });
  t.is(nameOf(router.route('GET', '/other', 'h')), '404');
  t.is(nameOf(new Router({}).route('GET', '/', 'h')), '404');
});

test('methods: 405 with Allow, HEAD with GET, and no fall-through to a shorter prefix', (t) => {
  const router = new Router({ '': app('root'), '/ro': { app: app('ro'), methods: ['get'] }, '/rw': { app: app('rw'), methods: ['POST', 'PUT'] } });
  t.is(nameOf(router.route('GET', '/ro/x', 'h')), 'ro "/ro" "/x"');
  t.is(nameOf(router.route('HEAD', '/ro/x', 'h')), 'ro "/ro" "/x"');
  t.is(nameOf(router.route('POST', '/ro/x', 'h')), '405 GET,HEAD');
  t.is(nameOf(router.route('GET', '/rw', 'h')), '405 POST,PUT');
  t.is(nameOf(router.route('POST', '/other', 'h')), 'root "" "/other"');
});

test('virtual hosts: a host mount wins over a host-agnostic one of the same length', (t) => {
  const router = new Router({ '/': app('any'), '/api': { app: app('api-a'), host: 'A.example' } });
  t.is(nameOf(router.route('GET', '/api/x', 'a.example')), 'api-a "/api" "/x"');
  t.is(nameOf(router.route('GET', '/api/x', 'b.example')), 'any "" "/api/x"');
  const mounts = new Router({ '/x': app('any-x'), '/x/': { app: app('host-x'), host: 'h' } }).mounts;
  t.is(mounts[0]!.host, 'h');
});

test('invalid mount tables are refused', (t) => {
  t.throws(() => new Router({ 'no-slash': app('x') }), { message: /must start with/ });
  t.throws(() => new Router({ '/x': { app: 'nope' as unknown as App } }), { message: /no app function/ });
});

test('mount depth and options are kept', (t) => {
  const router = new Router({ '/a/b/': { app: app('ab'), maxBodyBytes: 10 } });
  t.is(router.mounts[0]!.prefix, '/a/b');
  t.is(router.mounts[0]!.depth, 2);
  t.is(router.mounts[0]!.maxBodyBytes, 10);
});
