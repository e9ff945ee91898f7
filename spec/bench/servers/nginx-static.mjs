// nginx (Debian's) serving BENCH_STATIC_ROOT at /static, as its static module is
// run in production: sendfile on (the kernel copies file to socket), tcp_nopush
// with it (Debian's default nginx.conf has both), one process, access log off
// (nginx.mjs). keepalive_requests is raised from its 1000 so that, like Portico,
// nginx keeps a benchmark connection open for the whole cell.
import { STATIC_ROOT, port, ready } from './common.mjs';
import { startNginx } from './nginx.mjs';

await startNginx(
  port,
  `  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location /static/ { alias ${STATIC_ROOT.replace(/\/$/, '')}/; }
  }`,
);
ready();
