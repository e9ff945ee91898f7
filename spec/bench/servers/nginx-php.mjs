// nginx (Debian's) in front of the same php-fpm pool, configured as people run
// PHP: one worker, fastcgi_pass to an upstream with keepalive and
// fastcgi_keep_conn on (as Portico keeps its connections), access log off.
// nginx runs in the foreground as our child, so it is pinned to our core.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { port, ready, unavailable } from './common.mjs';
import { PHP_ROOT, startPool } from './php-pool.mjs';

if (spawnSync('nginx', ['-v']).error) unavailable('nginx not installed (Debian package nginx)');
const fpm = await startPool();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-nginx-'));
const socket = fpm.address.slice('unix:'.length);
fs.writeFileSync(
  path.join(dir, 'nginx.conf'),
  `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  fastcgi_temp_path ${dir}/fastcgi;
  proxy_temp_path ${dir}/proxy;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream php { server unix:${socket}; keepalive ${fpm.children}; }
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
  }
}
`,
);
// A shell watchdog: when this process dies however it dies, its stdin pipe closes and nginx is stopped.
const nginx = spawn('sh', ['-c', 'nginx -c "$1" -p "$2" & pid=$!; read _; kill $pid', 'sh', path.join(dir, 'nginx.conf'), dir], {
  stdio: ['pipe', 'inherit', 'inherit'],
});
const stop = () => {
  nginx.kill('SIGTERM');
  void fpm.close();
  fs.rmSync(dir, { recursive: true, force: true });
};
process.on('SIGTERM', () => {
  stop();
  process.exit(0);
});
nginx.on('exit', (code) => {
  if (code !== 0 && code !== null) unavailable(`nginx exited with ${code}`);
});
for (let i = 0; i < 100; i++) {
  const ok = await new Promise((r) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)));
  if (ok) break;
  await new Promise((r) => setTimeout(r, 50));
}
ready();
