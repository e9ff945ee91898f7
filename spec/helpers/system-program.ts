// Specs that need a program from the system (haproxy, php-cgi, php-fpm, git,
// nginx, chromium...) ask here first, so that `npm test` passes on a machine with
// only Node and npm. A missing program skips the spec's tests, and the run prints
// one line naming it and the Debian package that brings it. Under CI=true a
// missing program is a failing test instead: .ci/run installs every one of them,
// so a skip there would hide a broken install.
//
// PORTICO_MISSING_PROGRAMS=haproxy,php-cgi (a comma-separated list of the names
// below) makes this machine look as if it lacked those programs, to check the
// skips without uninstalling anything.
//
//   const { test, found } = needs('haproxy');
//   test('HAProxy sends PROXY v2', async (t) => { ... });

import avaTest, { type TestFn } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

interface Program {
  /** Debian package that brings it. */
  debian: string;
  /** Finds it: an absolute path, or null. */
  locate: () => string | null;
}

const SEARCH_DIRS = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The first executable named `name` (or matching `pattern`) in PATH and the sbin folders. */
export const findExecutable = (name: string, pattern?: RegExp): string | null => {
  for (const dir of SEARCH_DIRS) {
    if (pattern === undefined) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
      continue;
    }
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort().reverse()) if (pattern.test(n) && isExecutable(path.join(dir, n))) return path.join(dir, n);
  }
  return null;
};

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

const onPath = (name: string, debian = name): Program => ({ debian, locate: () => findExecutable(name) });

export const PROGRAMS = {
  haproxy: onPath('haproxy'),
  'php-cgi': onPath('php-cgi'),
  // Debian names it by version: php-fpm8.2.
  'php-fpm': { debian: 'php-fpm', locate: () => findExecutable('php-fpm') ?? findExecutable('', /^php-fpm\d+(\.\d+)?$/) },
  git: onPath('git'),
  'git-http-backend': {
    debian: 'git',
    locate: () => {
      if (findExecutable('git') === null) return null;
      const r = spawnSync('git', ['--exec-path'], { encoding: 'utf8' });
      const file = path.join(r.stdout.trim(), 'git-http-backend');
      return r.status === 0 && isExecutable(file) ? file : null;
    },
  },
  perl: onPath('perl'),
  'perl CGI.pm': {
    debian: 'libcgi-pm-perl',
    locate: () => (findExecutable('perl') !== null && spawnSync('perl', ['-MCGI', '-e', '1']).status === 0 ? 'CGI.pm' : null),
  },
  python3: onPath('python3'),
  // The Prometheus project's own text-format parser, for the metrics spec: a python3 that imports it.
  'python3 prometheus_client': {
    debian: 'python3-prometheus-client',
    locate: () => {
      for (const python of ['/usr/bin/python3', findExecutable('python3')]) {
        if (python !== null && isExecutable(python) && spawnSync(python, ['-c', 'import prometheus_client.parser']).status === 0) return python;
      }
      return null;
    },
  },
  curl: onPath('curl'),
  openssl: onPath('openssl'),
  nginx: onPath('nginx'),
  chromium: onPath('chromium'),
  wrk: onPath('wrk'),
  // An application rather than a program: Debian installs its files under /usr/share/dokuwiki.
  dokuwiki: { debian: 'dokuwiki', locate: () => (fs.existsSync('/usr/share/dokuwiki/doku.php') ? '/usr/share/dokuwiki' : null) },
} satisfies Record<string, Program>;

export type ProgramName = keyof typeof PROGRAMS;

const located = new Map<ProgramName, string | null>();

/** The programs PORTICO_MISSING_PROGRAMS says to treat as missing. */
const hidden = (): Set<string> => new Set((process.env['PORTICO_MISSING_PROGRAMS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** The program's path, or null when this machine lacks it (looked up once per process). */
export const locate = (name: ProgramName): string | null => {
  if (!located.has(name)) located.set(name, hidden().has(name) ? null : PROGRAMS[name].locate());
  return located.get(name)!;
};

const underCi = (): boolean => process.env['CI'] === 'true';

type Hook = (...args: unknown[]) => unknown;

/** A stand-in for ava's `test` whose tests are skipped and whose hooks never run. */
const skippingTest = (): TestFn => {
  const skip = (title: string): void => avaTest.skip(title, () => {});
  const noop: Hook = () => {};
  const hook = Object.assign(noop, { always: noop, skip: noop });
  const serial = Object.assign((title: string) => avaTest.serial.skip(title, () => {}), {
    skip: (title: string) => avaTest.serial.skip(title, () => {}),
    only: skip,
    failing: skip,
    before: hook,
    after: hook,
    beforeEach: hook,
    afterEach: hook,
  });
  return Object.assign(skip, {
    serial,
    skip,
    only: skip,
    failing: skip,
    todo: avaTest.todo,
    before: hook,
    after: hook,
    beforeEach: hook,
    afterEach: hook,
    macro: avaTest.macro,
    meta: avaTest.meta,
  }) as unknown as TestFn;
};

export interface Needs {
  /** ava's `test` when every program is there; else one whose tests skip. */
  test: TestFn;
  /** True when every program was found. */
  found: boolean;
  /** The path of each program found (what to spawn). */
  paths: Partial<Record<ProgramName, string>>;
}

/**
 * Declares the system programs a spec file needs. When one is missing, prints one
 * line naming it and its Debian package, and returns a `test` that skips; under
 * CI=true it registers a failing test instead.
 */
export const needs = (...names: ProgramName[]): Needs => {
  const paths: Partial<Record<ProgramName, string>> = {};
  const missing: ProgramName[] = [];
  for (const name of names) {
    const p = locate(name);
    if (p === null) missing.push(name);
    else paths[name] = p;
  }
  if (missing.length === 0) return { test: avaTest, found: true, paths };
  const what = missing.map((m) => `${m} (Debian package ${PROGRAMS[m].debian})`).join(', ');
  if (underCi()) {
    avaTest(`system programs are installed: ${missing.join(', ')}`, (t) => {
      t.fail(`missing under CI=true: ${what}; .ci/run must install it`);
    });
  } else {
    process.stdout.write(`skip: ${what} not found; its tests in this file are skipped\n`);
  }
  return { test: skippingTest(), found: false, paths };
};
