// Which program a path runs, and every way out of the root refused: encoded
// "..", encoded slashes, symlinks (to files or folders) leading outside, plus
// dotfiles, folders and non-executable files (403). Requests go as raw bytes so
// no client normalises them first. A program outside the root would leave a
// marker file; it must never appear.

import test from 'ava';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgiApp } from '../../../adapters/cgi/index.js';
import { OptionError } from '../../../adapters/option-error.js';
import { startServer } from '../../helpers/server.js';
import { exchange } from '../../helpers/raw-client.js';
import { captureLog } from './helpers.js';

const PRINT = "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nran %s SCRIPT_NAME=%s PATH_INFO=%s\\n' \"$0\" \"$SCRIPT_NAME\" \"$PATH_INFO\"\n";
const OUTSIDE = "#!/bin/sh\ntouch \"$MARKER\"\nprintf 'Content-Type: text/plain\\n\\nESCAPED\\n'\n";

const makeTree = () => {
  const base = mkdtempSync(join(tmpdir(), 'portico-cgi-tree-'));
  const root = join(base, 'root');
  const write = (path: string, text: string, mode: number) => {
    writeFileSync(path, text);
    chmodSync(path, mode);
  };
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, '.git'));
  mkdirSync(join(base, 'outside-dir'));
  write(join(root, 'ok.sh'), PRINT, 0o755);
  write(join(root, 'sub', 'inner.sh'), PRINT, 0o755);
  write(join(root, '.hidden.sh'), PRINT, 0o755);
  write(join(root, '.git', 'hook.sh'), PRINT, 0o755);
  write(join(root, 'noexec.sh'), PRINT, 0o644);
  write(join(root, 'data.txt'), 'plain data\n', 0o644);
  write(join(base, 'outside.sh'), OUTSIDE, 0o755);
  write(join(base, 'outside-dir', 'x.sh'), OUTSIDE, 0o755);
  symlinkSync(join(base, 'outside.sh'), join(root, 'escape.sh'));
  symlinkSync('../outside.sh', join(root, 'relative-escape.sh'));
  symlinkSync(join(base, 'outside-dir'), join(root, 'linkdir'));
  symlinkSync('ok.sh', join(root, 'inside-link.sh'));
  return { base, root, marker: join(base, 'MARKER') };
};

const cases: Array<[string, number, RegExp?]> = [
  ['/cgi/ok.sh', 200, /^ran .*ok\.sh SCRIPT_NAME=\/cgi\/ok\.sh PATH_INFO=$/m],
  ['/cgi/ok.sh/extra/path', 200, /PATH_INFO=\/extra\/path$/m],
  ['/cgi/sub/inner.sh/more%25x', 200, /SCRIPT_NAME=\/cgi\/sub\/inner\.sh PATH_INFO=\/more%x$/m],
  ['/cgi/sub/../ok.sh', 200, /SCRIPT_NAME=\/cgi\/ok\.sh/],
  ['/cgi/inside-link.sh', 200, /SCRIPT_NAME=\/cgi\/inside-link\.sh/],
  // Out of the root by name: the gateway resolves ".." (also encoded) within the path, so these land on the
  // catch-all mount of the same root, where no such program exists.
  ['/cgi/../outside.sh', 404],
  ['/cgi/%2e%2e/outside.sh', 404],
  ['/cgi/sub/%2E%2E/%2e%2e/outside.sh', 404],
  ['/cgi/..%2f..%2foutside.sh', 404],
  ['/cgi/sub%2F..%2F..%2Foutside.sh', 404],
  ['/cgi/sub/inner.sh%2F..%2F..%2F..%2Foutside.sh', 404],
  ['/%2e%2e/outside.sh', 404],
  // Symlinks leading out of the root.
  ['/cgi/escape.sh', 403],
  ['/cgi/relative-escape.sh', 403],
  ['/cgi/linkdir/x.sh', 403],
  // Dotfiles, folders, non-executables, missing files.
  ['/cgi/.hidden.sh', 403],
  ['/cgi/%2ehidden.sh', 403],
  ['/cgi/.git/hook.sh', 403],
  ['/cgi/sub', 403],
  ['/cgi/sub/', 403],
  ['/cgi/', 403],
  ['/cgi/noexec.sh', 403],
  ['/cgi/data.txt', 403],
  ['/cgi/missing.sh', 404],
  ['/cgi/ok.sh%00', 400],
];

test('paths select programs below the root, and nothing outside it ever runs', async (t) => {
  const { base, root, marker } = makeTree();
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const log = captureLog();
  const options = { root, logger: log, env: { MARKER: marker } };
  const { port } = await startServer(t, { mounts: { '/cgi': cgiApp(options), '/': cgiApp(options) } });
  for (const [path, status, body] of cases) {
    const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 20_000 });
    const res = r.responses[0];
    t.is(res?.status, status, path);
    if (body) t.regex(res!.body.toString(), body, path);
    t.false(res?.body.toString().includes('ESCAPED'), path);
  }
  t.false(existsSync(marker), 'no program outside the root ran');
});

test('a missing root is a 500 with a log line (a configuration error), and the server lives on', async (t) => {
  const log = captureLog();
  const { port } = await startServer(t, { mounts: { '/cgi': cgiApp({ root: '/nonexistent/portico-cgi-root', logger: log }) } });
  const r = await exchange(port, 'GET /cgi/x.sh HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 20_000 });
  t.is(r.responses[0]?.status, 500);
  t.regex(log.text(), /CGI request failed/);
});

test('a program that cannot be started (missing, or not a valid executable) is a 502 with a log line', async (t) => {
  const { base, root } = makeTree();
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  writeFileSync(join(root, 'badexec.sh'), '#!/nonexistent/interpreter\n');
  chmodSync(join(root, 'badexec.sh'), 0o755);
  const log = captureLog();
  const { port } = await startServer(t, {
    mounts: { '/cgi': cgiApp({ root, logger: log }), '/gone': cgiApp({ script: join(base, 'no-such-program'), logger: log }) },
  });
  const a = await exchange(port, 'GET /cgi/badexec.sh HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 20_000 });
  t.is(a.responses[0]?.status, 502);
  const b = await exchange(port, 'GET /gone/x HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 20_000 });
  t.is(b.responses[0]?.status, 502);
  t.regex(log.text(), /cannot start program .*ERR_CGI_SPAWN/);
});

test('cgiApp needs exactly one of script and root, and sane numbers', (t) => {
  const invalid = { instanceOf: OptionError, code: 'ERR_INVALID_OPTION' } as never;
  t.throws(() => cgiApp({}), invalid);
  t.throws(() => cgiApp({ script: '/bin/true', root: '/tmp' }), invalid);
  t.throws(() => cgiApp({ root: '/tmp', timeoutMs: -1 }), { ...(invalid as object), message: 'cgiApp: timeoutMs must be a non-negative number' } as never);
  t.throws(() => cgiApp({ root: '/tmp', env: { A: 1 as unknown as string } }), invalid);
});
