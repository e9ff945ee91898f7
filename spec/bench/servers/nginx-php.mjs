// nginx (Debian's) in front of the same php-fpm pool, configured as people run
// PHP: fastcgi_pass to an upstream with keepalive and fastcgi_keep_conn on (as
// Portico keeps its connections); one process, access log off (nginx.mjs).
import { port, ready } from './common.mjs';
import { requireNginx, startNginx } from './nginx.mjs';
import { PHP_ROOT, startPool } from './php-pool.mjs';

requireNginx();
const fpm = await startPool();
const socket = fpm.address.slice('unix:'.length);
await startNginx(
  port,
  `  upstream php { server unix:${socket}; keepalive ${fpm.children}; }
  server {
    listen 127.0.0.1:${port};
    root ${PHP_ROOT};
    index index.php;
    location / { try_files $uri $uri/ /index.php?$args; }
    location ~ [^/]\\.php(/|$) {
      fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
      try_files $fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_keep_conn on;
      fastcgi_pass php;
    }
  }`,
);
ready();
