// Portico's FastCGI adapter in front of the shared php-fpm pool (php-pool.mjs):
// fastcgiApp with kept connections, one per worker.
import { serve, silentLogger } from 'portico';
import { importOrUnavailable, port, ready } from './common.mjs';
import { PHP_ROOT, startPool } from './php-pool.mjs';

const fastcgiApp = await importOrUnavailable('portico/fastcgi', 'fastcgiApp');
const fpm = await startPool();
const app = fastcgiApp({ address: fpm.address, root: PHP_ROOT, maxConnections: fpm.children, logger: silentLogger });
const server = await serve({ port, logger: silentLogger, mounts: { '/': app } });
process.on('SIGTERM', () => void server.close().then(() => fpm.close()).then(() => process.exit(0)));
ready();
