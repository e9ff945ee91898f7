// The `portico/node` entry point: the node adapter (nodeApp) plus createServer()
// and createHttpsServer(), node:http's and node:https's signatures returning
// node's own server classes with Portico's engine on their connections, so
// `http.createServer(app)` code switches by changing one import. It lives in
// gateway/ because the engine's request handling is the gateway's and adapters
// never import the gateway: the node server is given a function that starts
// the engine (socket-engine.ts).

import type http from 'node:http';
import type https from 'node:https';
import { NodeHttpsServer, NodeServer, type EngineOptions, type EngineSettings, type NodeHandler, type StartEngine } from '../adapters/node/index.js';
import { validateOptions } from './config.js';
import { ConfigError } from './config-error.js';
import type { ServeOptions, TlsOptions } from './server.js';
import { socketEngine, type SocketEngineSettings } from './socket-engine.js';

export * from '../adapters/node/index.js';

/** Portico's own options a node server takes (`portico` in createServer's options). */
export type NodePorticoOptions = SocketEngineSettings & Pick<ServeOptions, 'limits' | 'timeouts'> & {
  /** Serve HTTPS: the same as createHttpsServer({ key, cert }). */
  tls?: TlsOptions;
};

export interface CreateServerOptions extends http.ServerOptions {
  /** Portico's own server options (logger, limits, timeouts, errorPages, accessLog, allowHalfOpen...). */
  portico?: NodePorticoOptions;
}

export interface CreateHttpsServerOptions extends https.ServerOptions {
  portico?: Omit<NodePorticoOptions, 'tls'>;
}

const SUPPORTED = new Set(['logger', 'errorPages', 'accessLog', 'allowHalfOpen', 'responseTimeoutMs', 'compression', 'limits', 'timeouts', 'tls']);

/** Checks `portico` against serve()'s schema; keys that mean nothing on a node server are refused. */
const porticoOptions = (raw: NodePorticoOptions | undefined): NodePorticoOptions => {
  if (raw === undefined) return {};
  const options = validateOptions(raw, (key) => `createServer(): "portico.${key}"`, { base: process.cwd(), api: true }) as NodePorticoOptions;
  for (const key of Object.keys(options)) {
    if (!SUPPORTED.has(key)) throw new ConfigError(`createServer(): "portico.${key}" has no meaning on a node server (supported: ${[...SUPPORTED].join(', ')})`);
  }
  return options;
};

const engineStarter = (settings: SocketEngineSettings): StartEngine => (engine: EngineOptions) => socketEngine({ ...settings, ...engine });

const split = (options: NodePorticoOptions): [StartEngine, EngineSettings] => {
  const { limits, timeouts, tls: _tls, ...settings } = options;
  return [engineStarter(settings), { limits, timeouts }];
};

export function createServer(handler?: NodeHandler): NodeServer;
export function createServer(options: CreateServerOptions & { portico: { tls: TlsOptions } }, handler?: NodeHandler): NodeHttpsServer;
export function createServer(options: CreateServerOptions, handler?: NodeHandler): NodeServer;
export function createServer(first?: CreateServerOptions | NodeHandler, second?: NodeHandler): NodeServer | NodeHttpsServer {
  const { portico, ...nodeOptions } = typeof first === 'object' && first !== null ? first : ({} as CreateServerOptions);
  const handler = typeof first === 'function' ? first : second;
  const options = porticoOptions(portico);
  const [start, settings] = split(options);
  if (options.tls !== undefined) return new NodeHttpsServer(start, settings, { ...nodeOptions, ...options.tls } as https.ServerOptions, handler);
  return new NodeServer(start, settings, nodeOptions, handler);
}

/** https.createServer(options, handler) on Portico's engine: node's https.Server (a tls.Server). */
export function createHttpsServer(options: CreateHttpsServerOptions = {}, handler?: NodeHandler): NodeHttpsServer {
  const { portico, ...nodeOptions } = options;
  const [start, settings] = split(porticoOptions(portico));
  return new NodeHttpsServer(start, settings, nodeOptions, handler);
}

/** The node:https look-alike: `import { https } from 'portico/node'; https.createServer(options, app)`. */
export const https_ = { createServer: createHttpsServer };
export { https_ as https };
