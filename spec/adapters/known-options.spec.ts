// Every adapter refuses an option it does not know, naming the closest known one
// (adapters/known-options.ts): a typo such as `timeout` for `timeoutMs` would
// otherwise be ignored and the default would apply without a word.

import test from 'ava';
import { refuseUnknownOptions, unknownOption } from '../../adapters/known-options.js';
import { OptionError } from '../../adapters/option-error.js';
import { staticApp } from '../../adapters/static/index.js';
import { cgiApp } from '../../adapters/cgi/index.js';
import { fastcgiApp } from '../../adapters/fastcgi/index.js';
import { proxyApp } from '../../adapters/proxy/index.js';
import { fetchApp } from '../../adapters/fetch/index.js';
import { nodeApp } from '../../adapters/node/index.js';

const typo = (options: object): never => options as never;

test('each adapter names the unknown option and the one it likely meant', (t) => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => staticApp(typo({ root: '.', listdirectories: true })), /^staticApp: unknown option "listdirectories", did you mean "listDirectories"\?$/],
    [() => cgiApp(typo({ root: '.', timeout: 5 })), /^cgiApp: unknown option "timeout", did you mean "timeoutMs"\?$/],
    [() => fastcgiApp(typo({ address: '127.0.0.1:9000', rooot: '.' })), /^fastcgiApp: unknown option "rooot", did you mean "root"\?$/],
    [() => proxyApp(typo({ upstream: 'http://127.0.0.1:1', timeout: 5000 })), /^proxyApp: unknown option "timeout", did you mean "timeoutMs"\?$/],
    [() => fetchApp(() => new Response(''), typo({ stripprefix: false })), /^fetchApp: unknown option "stripprefix", did you mean "stripPrefix"\?$/],
    [() => nodeApp(() => {}, typo({ upgrade: () => {} })), /^nodeApp: unknown option "upgrade", did you mean "onUpgrade"\?$/],
  ];
  // Every adapter's is an OptionError with the code ERR_UNKNOWN_OPTION (staticApp's its subclass StaticOptionsError).
  for (const [make, message] of cases) t.throws(make, { instanceOf: OptionError, code: 'ERR_UNKNOWN_OPTION', message } as never);
});

test('nothing close: the known options are listed; known keys pass', (t) => {
  t.is(unknownOption({ a: 1, b: 2 }, ['a', 'b']), null);
  t.is(unknownOption({ colour: 'red' }, ['root', 'index']), 'unknown option "colour" (known: root, index)');
  t.throws(() => refuseUnknownOptions('xApp', { colour: 'red' }, ['root']), { instanceOf: OptionError, code: 'ERR_UNKNOWN_OPTION', message: 'xApp: unknown option "colour" (known: root)' } as never);
});
