// portico/node's createServer() with the bare (req, res) handler: the drop-in for
// node-http.mjs (node's http.Server with Portico's engine on its connections), no
// serve() around it, so no mount table and no stray-error scope per request.
import { KEEP_ALIVE_MS, importOrUnavailable, port, ready } from './common.mjs';
import { bareHandler } from './node-handlers.mjs';

const createServer = await importOrUnavailable('portico/node', 'createServer');
const server = createServer(bareHandler);
server.keepAliveTimeout = KEEP_ALIVE_MS;
server.listen(port, '127.0.0.1', ready);
