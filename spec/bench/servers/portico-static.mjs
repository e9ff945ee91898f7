// Portico's static adapter serving BENCH_STATIC_ROOT at /static.
import { serve, silentLogger } from 'portico';
import { STATIC_ROOT, importOrUnavailable, port, ready } from './common.mjs';

const staticApp = await importOrUnavailable('portico/static', 'staticApp');
await serve({ port, logger: silentLogger, mounts: { '/static': staticApp({ root: STATIC_ROOT }) } });
ready();
