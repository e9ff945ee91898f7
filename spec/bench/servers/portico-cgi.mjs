// Portico's CGI adapter serving spec/bench/cgi/cgi-bin/ at /cgi-bin, the
// directory python3 -m http.server --cgi serves too.
import { serve, silentLogger } from 'portico';
import { CGI_ROOT, importOrUnavailable, port, ready } from './common.mjs';

const cgiApp = await importOrUnavailable('portico/cgi', 'cgiApp');
await serve({ port, logger: silentLogger, mounts: { '/cgi-bin': cgiApp({ root: CGI_ROOT }) } });
ready();
