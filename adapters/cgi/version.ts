// SERVER_SOFTWARE is "Portico/<version>" (RFC 3875 §4.1.17). The version is read
// once from the package's own package.json (dist/adapters/cgi/ → the package
// root), so it cannot drift from what npm installed.

import { readFileSync } from 'node:fs';

const readVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0';
  } catch {
    return '0';
  }
};

export const SERVER_SOFTWARE = `Portico/${readVersion()}`;
