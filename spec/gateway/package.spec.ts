// The package as a stranger installs it: `npm pack` makes a tarball holding the
// compiled dist/ of core, gateway and adapters (never spec, bench or soak), and
// that tarball, unpacked into node_modules of a folder outside the clone,
// serves an app through its `portico` bin and through `import { serve } from
// 'portico'`, with no build on that side. The tarball is unpacked with tar and
// its one dependency (undici) linked from this clone, so no registry is asked.
// Inside the clone, `npm run portico -- <args>` runs the CLI.

import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { REPO, startCli } from '../helpers/cli.js';

const run = promisify(execFile);
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | { default: string; types: string }>;
};

// --ignore-scripts: `prepare` would rebuild dist/ under the other specs' feet; pretest built it.
const pack = async (args: string[]): Promise<string> => (await run('npm', ['pack', '--ignore-scripts', ...args], { cwd: REPO, maxBuffer: 16 << 20 })).stdout;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-package-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.serial('npm pack ships dist/ for core, gateway and adapters, every export and the bin, and no spec, bench or soak', async (t) => {
  const [report] = JSON.parse(await pack(['--dry-run', '--json'])) as Array<{ files: Array<{ path: string }> }>;
  const files = new Set(report!.files.map((f) => f.path));
  for (const dir of ['dist/core/', 'dist/gateway/', 'dist/adapters/']) t.true([...files].some((f) => f.startsWith(dir)), dir);
  t.true(files.has(PKG.bin['portico']!.replace(/^\.\//, '')), 'the bin');
  for (const [name, target] of Object.entries(PKG.exports)) {
    const targets = typeof target === 'string' ? [target] : [target.default, target.types];
    for (const file of targets) t.true(files.has(file.replace(/^\.\//, '')), `${name} → ${file}`);
  }
  t.deepEqual([...files].filter((f) => /^(dist\/)?(spec|bench|soak)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), []);
});

test.serial('the tarball, unpacked outside the clone, serves an app through its bin and through serve()', async (t) => {
  t.timeout(90_000);
  await pack(['--pack-destination', tmp]);
  const tarball = path.join(tmp, `portico-${PKG.version}.tgz`);
  const project = path.join(tmp, 'project');
  const installed = path.join(project, 'node_modules', 'portico');
  fs.mkdirSync(installed, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  fs.symlinkSync(path.join(REPO, 'node_modules', 'undici'), path.join(project, 'node_modules', 'undici'), 'dir');
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  fs.writeFileSync(path.join(project, 'app.mjs'), "export default (req, res) => res.end('consumer app ' + req.url);\n");
  fs.writeFileSync(
    path.join(project, 'server.mjs'),
    [
      "import { fileURLToPath } from 'node:url';",
      "import { serve } from 'portico';",
      "import { staticApp } from 'portico/static';",
      "import app from './app.mjs';",
      "import { nodeApp } from 'portico/node';",
      "const server = await serve({ port: 0, host: '127.0.0.1', mounts: { '/app': nodeApp(app), '/': staticApp({ root: fileURLToPath(new URL('.', import.meta.url)) }) } });",
      "console.log('listening on ' + server.url);",
      "process.once('SIGTERM', () => server.close().then(() => process.exit(0)));",
      '',
    ].join('\n'),
  );

  const bin = path.join(installed, PKG.bin['portico']!);
  const cli = await startCli(t, ['--port', '0', './app.mjs'], { cwd: project, cli: bin });
  const res = await request(`${cli.url}/hello`);
  t.is(res.statusCode, 200);
  t.is(await res.body.text(), 'consumer app /hello');

  const script = await startCli(t, [], { cwd: project, cli: path.join(project, 'server.mjs') });
  t.is(await (await request(`${script.url}/app/x`)).body.text(), 'consumer app /x');
  t.is(await (await request(`${script.url}/package.json`)).body.text(), fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
});

test.serial('npm run portico -- <args> runs the CLI from inside the clone', async (t) => {
  const { stdout } = await run('npm', ['run', '--silent', 'portico', '--', '--version'], { cwd: REPO });
  t.is(stdout.trim(), `portico ${PKG.version}`);
});
