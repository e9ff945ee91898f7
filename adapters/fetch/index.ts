// portico/fetch: host Fetch-style handlers — `(request, info) => Response`, the
// shape of Deno.serve, Bun.serve, Cloudflare Workers and Hono's app.fetch — as
// Portico apps. `serve({ mounts: { '/api': fetchApp(honoApp) } })`.
export { fetchApp, type FetchAppOptions } from './fetch-app.js';
export { toFetchHandler, isFetchApp, type FetchHandler, type AnyFetchHandler, type FetchModule } from './module-handler.js';
export type { FetchInfo, UpgradeOptions, WebSocketUpgrade, WebSocketUpgradeOptions } from './info.js';
export type { FetchMountedApp } from './upgrade-exchange.js';
export { UpgradedWebSocket } from './web-socket.js';
export { ServerWebSocket, type WebSocketHandler } from './bun-websocket.js';
export { FetchAdapterError, type FetchAdapterErrorCode } from './errors.js';
export { LightResponse } from './light-response.js';
export { holdLightResponse, holdLightResponse as installLightResponse } from './response-global.js';
export { upgradeWebSocket, type HonoWSContext, type HonoWSEvents, type HonoUpgradeOptions } from './hono-websocket.js';
