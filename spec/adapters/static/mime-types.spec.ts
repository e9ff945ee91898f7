import test from 'ava';
import { DEFAULT_MIME_TYPE, MIME_TYPES, MimeTable } from '../../../adapters/static/mime-types.js';
import { isFieldValue } from '../../../core/index.js';

test('the built-in table maps common extensions, text types with charset=utf-8', (t) => {
  const table = new MimeTable();
  t.is(table.lookup('/index.html'), 'text/html; charset=utf-8');
  t.is(table.lookup('/a/b/app.mjs'), 'text/javascript; charset=utf-8');
  t.is(table.lookup('/x.svg'), 'image/svg+xml; charset=utf-8');
  t.is(table.lookup('/x.wasm'), 'application/wasm');
  t.is(table.lookup('/v.webm'), 'video/webm');
  t.is(table.lookup('/archive.tar.gz'), 'application/gzip');
  t.is(table.lookup('/PHOTO.JPG'), 'image/jpeg');
});

test('no extension, a dotfile, a dot in a directory name, or an unknown extension: octet-stream', (t) => {
  const table = new MimeTable();
  t.is(table.lookup('/README'), DEFAULT_MIME_TYPE);
  t.is(table.lookup('/.bashrc'), DEFAULT_MIME_TYPE);
  t.is(table.lookup('/v1.2/README'), DEFAULT_MIME_TYPE);
  t.is(table.lookup('/file.'), DEFAULT_MIME_TYPE);
  t.is(table.lookup('/file.unknown'), DEFAULT_MIME_TYPE);
  t.is(DEFAULT_MIME_TYPE, 'application/octet-stream');
});

test('user entries extend and override, with or without the dot, any case', (t) => {
  const table = new MimeTable({ '.GLTF': 'model/gltf+json', html: 'text/html; charset=iso-8859-1' });
  t.is(table.lookup('/scene.gltf'), 'model/gltf+json');
  t.is(table.lookup('/scene.GlTf'), 'model/gltf+json');
  t.is(table.lookup('/index.html'), 'text/html; charset=iso-8859-1');
  t.is(new MimeTable().lookup('/index.html'), 'text/html; charset=utf-8', 'other tables are untouched');
});

test('every built-in entry is a valid field value of the form type/subtype', (t) => {
  for (const [ext, type] of Object.entries(MIME_TYPES)) {
    t.regex(ext, /^[a-z0-9]+$/);
    t.true(isFieldValue(type), ext);
    t.regex(type, /^[a-z]+\/[a-z0-9.+-]+(; charset=utf-8)?$/, ext);
  }
});
