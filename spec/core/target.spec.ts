// Request-target forms and Host authorities (core/target.ts), table-driven.

import test from 'ava';
import { HttpError } from '../../core/index.js';
import { isValidAuthority, parseTarget } from '../../core/target.js';

test('authorities (RFC 3986 §3.2, RFC 9112 §3.2)', (t) => {
  for (const ok of ['a', 'a.example', 'A.EXAMPLE:8080', '127.0.0.1:1', '[::1]', '[::1]:443', '[v1.fe]', "a-b_c~d!$&'()*+;=%20", 'x:65535', 'x:99999', 'a:', '[::1]:']) {
    t.true(isValidAuthority(ok), ok);
  }
  for (const bad of ['', ':80', 'a:123456', 'a:8a', 'u@a', 'a/b', 'a,b', 'a b', '[]', '[::1', '[::1]x', '[g::]', 'a:80:80', 'é.example', 'a?b', 'a#b']) {
    t.false(isValidAuthority(bad), bad);
  }
});

const form = (method: string, target: string): string => {
  try {
    const p = parseTarget(method, target);
    return `${p.form} ${p.scheme} ${p.authority} ${p.originForm}`.trim();
  } catch (err) {
    return (err as HttpError).code;
  }
};

test('the four target forms, each with its methods', (t) => {
  t.is(form('GET', '/a?b'), 'origin');
  t.is(form('OPTIONS', '*'), 'asterisk   *');
  t.is(form('GET', '*'), 'ERR_BAD_TARGET');
  t.is(form('CONNECT', 'a.example:443'), 'authority  a.example:443');
  t.is(form('CONNECT', 'a.example'), 'ERR_BAD_TARGET');
  t.is(form('CONNECT', '/'), 'ERR_BAD_TARGET');
  t.is(form('CONNECT', '[::1]:443'), 'authority  [::1]:443');
  t.is(form('GET', 'http://a.example/x?y'), 'absolute http a.example /x?y');
  t.is(form('GET', 'https://a.example:8443'), 'absolute https a.example:8443 /');
  t.is(form('GET', 'http://a.example?q'), 'absolute http a.example /?q');
  t.is(form('GET', 'HtTp://a.example/'), 'absolute http a.example /');
  t.is(form('GET', 'http://u@a.example/'), 'ERR_BAD_TARGET');
  t.is(form('GET', 'http:///x'), 'ERR_BAD_TARGET');
  t.is(form('GET', 'http://a.example#f'), 'ERR_BAD_TARGET');
  t.is(form('GET', 'ftp://a.example/'), 'ERR_BAD_TARGET');
  t.is(form('GET', 'a.example:80'), 'ERR_BAD_TARGET');
});
