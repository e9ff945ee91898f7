import test from 'ava';
import fc from 'fast-check';
import { contains, dotSegmentRefusal, fileNameOf } from '../../../adapters/static/safe-path.js';

test('ordinary paths map to themselves', (t) => {
  t.is(fileNameOf('', false), '');
  t.is(fileNameOf('/', false), '/');
  t.is(fileNameOf('/a/b.txt', false), '/a/b.txt');
  t.is(fileNameOf('/a b/café.txt', false), '/a b/café.txt');
  t.is(fileNameOf('/v1.2/x..y', false), '/v1.2/x..y');
});

test('"%25" (kept encoded by the gateway) is a literal percent sign', (t) => {
  t.is(fileNameOf('/100%25.txt', false), '/100%.txt');
  t.is(fileNameOf('/%252e%252e', false), '/%2e%2e');
  // "%252F" is a name containing "%2F", not a slash.
  t.is(fileNameOf('/a%252Fb', false), '/a%2Fb');
});

test('an encoded slash, a backslash, a NUL or a relative path is refused', (t) => {
  t.is(fileNameOf('/..%2Fsecret', false), 404);
  t.is(fileNameOf('/a%2fb', false), 404);
  t.is(fileNameOf('/a\\..\\b', false), 404);
  t.is(fileNameOf('/a\0b', false), 404);
  t.is(fileNameOf('a/b', false), 404);
});

test('dot-segments are always refused; dotfiles unless allowed; .well-known always served', (t) => {
  t.is(fileNameOf('/../x', true), 404);
  t.is(fileNameOf('/a/./x', true), 404);
  t.is(fileNameOf('/a/..', true), 404);
  t.is(fileNameOf('/.env', false), 403);
  t.is(fileNameOf('/a/.git/config', false), 403);
  t.is(fileNameOf('/a/.', false), 404);
  t.is(fileNameOf('/.env', true), '/.env');
  t.is(fileNameOf('/.well-known/acme-challenge/x', false), '/.well-known/acme-challenge/x');
  t.is(fileNameOf('/.well-known/.hidden', false), 403);
  t.is(dotSegmentRefusal('/a/b.c/d', false), 0);
});

test('containment compares whole segments', (t) => {
  t.true(contains('/srv/www', '/srv/www'));
  t.true(contains('/srv/www', '/srv/www/a'));
  t.false(contains('/srv/www', '/srv/www-old/a'));
  t.false(contains('/srv/www', '/srv/ww'));
  t.false(contains('/srv/www', '/etc/passwd'));
  t.true(contains('/', '/etc/passwd'));
});

test('property: a name that is accepted has no ".." segment, no backslash, no NUL and stays below "/"', (t) => {
  const segment = fc.oneof(
    fc.constantFrom('..', '.', '', '%2F', '%2f', '%25', '%252F', '\\', '\0', '.env', '.well-known', 'a', 'b.txt'),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 8 }), fc.boolean(), (segments, allow) => {
      const name = fileNameOf('/' + segments.join('/'), allow);
      if (typeof name === 'number') return;
      if (!name.startsWith('/') && name !== '') throw new Error(`relative: ${name}`);
      if (name.includes('\\') || name.includes('\0')) throw new Error(`bad char: ${JSON.stringify(name)}`);
      if (name.split('/').some((s) => s === '..' || s === '.')) throw new Error(`dot-segment: ${name}`);
      if (!allow && name.split('/').some((s) => s.startsWith('.') && s !== '.well-known')) throw new Error(`dotfile: ${name}`);
    }),
  );
  t.pass();
});
