// An Env as the gateway hands one to an app, for specs that call an adapter's
// parts directly: a bodiless GET of "/" from 127.0.0.1, with `fields` over it.

import type { Env } from '../../adapters/env.js';
import { RequestBody } from '../../core/index.js';

export const envFixture = (fields: Partial<Env> = {}): Env => ({
  method: 'GET',
  scriptName: '',
  pathInfo: '/',
  rawPathInfo: '/',
  queryString: '',
  target: '/',
  protocol: 'HTTP/1.1',
  headers: { host: 'h' },
  rawHeaders: ['Host', 'h'],
  body: new RequestBody(0, 0),
  scheme: 'http',
  serverName: 'h',
  serverPort: 80,
  remoteAddress: '127.0.0.1',
  remotePort: 1234,
  localAddress: '127.0.0.1',
  localPort: 80,
  secure: false,
  extensions: {},
  ...fields,
});
