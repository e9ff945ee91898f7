// The node adapter's parts, re-exported by `portico/node` (gateway/node-entry.ts,
// which adds createServer): nodeApp(handler) hosts any node:http (req, res)
// handler (Express, Koa's callback(), Connect...) as a Portico app.
export { nodeApp, type NodeHandler, type NodeAppOptions } from './node-app.js';
export { NodeServer, NodeHttpsServer } from './server.js';
export type { Engine, EngineOptions, EngineSettings, StartEngine } from './engine-host.js';
export type { ClientError } from './client-error.js';
export type { UpgradeListener } from './upgrade.js';
