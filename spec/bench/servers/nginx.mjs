// Debian's nginx as a benchmark peer, the way every nginx cell runs it: in the
// foreground as one process (master_process off, one worker's work) with its
// files in a temporary folder, access log off. The caller gives the contents of
// its `http {}` block. nginx runs under a shell watchdog: when this wrapper dies
// however it dies, the watchdog's stdin closes and it stops nginx, so nginx never
// outlives the cell. The wrapper then announces nginx's own pid (servingPid), so
// the harness reads nginx's CPU time and peak RSS rather than this idle node's.
// Pinning is inherited: the wrapper runs on the server core, and so does nginx.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { servingPid, unavailable } from './common.mjs';

/** Reports the cell unavailable (one line, the harness prints n/a) when nginx is missing. */
export const requireNginx = () => {
  if (spawnSync('nginx', ['-v']).error) unavailable('nginx not installed (Debian package nginx)');
};

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/**
 * Starts nginx listening on 127.0.0.1:`port` with `http` inside its http block
 * (`server { ... }` and any directives). Resolves once the port accepts.
 */
export const startNginx = async (port, http) => {
  requireNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
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
${http}
}
`,
  );
  const nginx = spawn('sh', ['-c', 'nginx -c "$1" -p "$2" & pid=$!; read _; kill $pid', 'sh', conf, dir], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  // common.mjs turns SIGTERM into exit(0); on any exit nginx is told to stop at once
  // (by its pid once known; before that, the watchdog's stdin closing with this
  // process stops it). Signalling the watchdog instead would kill the shell before
  // its `kill`, and leave nginx running: every cell used to leave one behind.
  let nginxPid = 0;
  process.on('exit', () => {
    if (nginxPid > 0) {
      try {
        process.kill(nginxPid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  nginx.on('exit', (code) => {
    if (code !== 0 && code !== null) unavailable(`nginx exited with ${code}: ${readError(dir)}`);
  });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
  // nginx writes its pid file before it accepts (master_process off: the serving process itself).
  nginxPid = Number(fs.readFileSync(path.join(dir, 'nginx.pid'), 'utf8'));
  servingPid(nginxPid);
};

const readError = (dir) => {
  try {
    return fs.readFileSync(path.join(dir, 'error.log'), 'utf8').trim().split('\n').at(-1) ?? '';
  } catch {
    return '';
  }
};
