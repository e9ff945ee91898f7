// The node adapter's parts, re-exported by `portico/node` (gateway/node-entry.ts,
// which adds createServer): nodeApp(handler) hosts any node:http (req, res)
// handler (Express, Koa's callback(), Connect...) as a Portico app.
export { nodeApp, type NodeHandler, type NodeAppOptions } from './node-app.js';
export { NodeServer, type ListeningServer, type StartedServer, type ListenOptions, type StartOptions, type StartServer } from './server.js';
export { PorticoSocket } from './socket.js';
export type { UpgradeListener } from './upgrade.js';
