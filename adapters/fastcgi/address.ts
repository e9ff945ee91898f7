// Where a FastCGI application listens, as nginx's fastcgi_pass spells it:
// "unix:/run/php/php8.2-fpm.sock" (a bare absolute path is taken as the same),
// or "host:port" ("127.0.0.1:9000", "[::1]:9000"), or a file: URL naming the
// socket (`new URL('./php.sock', import.meta.url)`). Parsed once, when the app
// is built, so a typo fails at startup rather than at the first request.

import type { NetConnectOpts } from 'node:net';
import { toPath } from '../file-path.js';
import { invalidOption } from '../option-error.js';

export interface FastCgiAddress {
  /** The address as given, for log lines. */
  label: string;
  connect: NetConnectOpts;
}

export const parseAddress = (address: string | URL): FastCgiAddress => {
  if (address instanceof URL || (typeof address === 'string' && address.startsWith('file:'))) address = 'unix:' + toPath(address, 'fastcgiApp: `address`', '"unix:/path", "host:port"');
  if (typeof address !== 'string' || address === '') throw invalidOption('fastcgiApp: `address` must be "unix:/path" or "host:port"');
  if (address.startsWith('unix:') || address.startsWith('/')) {
    const path = address.startsWith('unix:') ? address.slice(5) : address;
    if (path === '') throw invalidOption(`fastcgiApp: no socket path in ${JSON.stringify(address)}`);
    return { label: `unix:${path}`, connect: { path } };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw invalidOption(`fastcgiApp: address ${JSON.stringify(address)} is neither "unix:/path" nor "host:port"`);
  }
  return { label: address, connect: { host: m[1] ?? m[2]!, port } };
};
