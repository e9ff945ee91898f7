// `portico/proxy`: a reverse proxy app. proxyApp({ upstream: 'http://127.0.0.1:3000' })
// forwards what its mount receives, streaming both ways, WebSocket included.
export { proxyApp, upstreamPath, type ProxyApp, type ProxyOptions } from './proxy-app.js';
export { connectionOptions, isHopByHop } from './headers.js';
export type { ProxyLogger } from './proxy-error.js';
