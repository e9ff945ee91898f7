// request-url.ts serialises most URLs without parsing them; whatever path it
// takes, the result must be exactly what the WHATWG URL parser gives (what
// `new Request(url).url` would say). Checked for targets drawn from characters
// that the parser keeps, encodes or resolves, and for hosts it rewrites.

import test from 'ava';
import fc from 'fast-check';
import type { Env } from '../../../adapters/env.js';
import { requestUrl } from '../../../adapters/fetch/request-url.js';

const envOf = (target: string, host: string | undefined, scheme: 'http' | 'https' = 'http'): Env =>
  ({
    target,
    scheme,
    headers: host === undefined ? {} : { host },
    serverName: '127.0.0.1',
    serverPort: 8080,
    scriptName: '',
    rawPathInfo: '',
    queryString: '',
  }) as unknown as Env;

const TARGET_CHARS = "aZ09-._~!$&()*+,;=:@%/?.2eE'\"<> {}|^`\\[]é";

test('origin-form targets serialise as the URL parser would', (t) => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TARGET_CHARS), { maxLength: 16 }), (chars) => {
      const target = '/' + chars.join('');
      let expected: string;
      try {
        expected = new URL('http://example.test' + target).href;
      } catch {
        return true;
      }
      return requestUrl(envOf(target, 'example.test'), false) === expected;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('hosts the parser rewrites are rewritten; the remembered host does not leak into others', (t) => {
  for (const host of ['Example.TEST', 'example.test:80', 'example.test:8080', '127.1', '0x7f.0.0.1', 'EXAMPLE.test:443', 'a.b']) {
    t.is(requestUrl(envOf('/x?y', host), false), new URL(`http://${host}/x?y`).href, host);
  }
  t.is(requestUrl(envOf('/s', 'example.test:443', 'https'), false), 'https://example.test/s');
  t.is(requestUrl(envOf('/none', undefined), false), 'http://127.0.0.1:8080/none');
});

test('absolute-form targets are normalised too, and a bad host throws TypeError', (t) => {
  t.is(requestUrl(envOf('HTTP://Other.Test:80/a/../b', 'ignored'), false), 'http://other.test/b');
  t.throws(() => requestUrl(envOf('/', 'bad%zzhost'), false), { instanceOf: TypeError });
});
