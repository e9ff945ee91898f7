// Middleware from npm, unmodified, on node:http and on Portico: a Connect
// stack with helmet, morgan, body-parser and multer, compared answer by answer
// (and log line by log line); and an Express app behind TLS, which must see
// the connection as secure.

import https from 'node:https';
import test from 'ava';
import connect from 'connect';
import helmet from 'helmet';
import morgan from 'morgan';
import multer from 'multer';
import bodyParser from 'body-parser';
import express from 'express';
import { nodeApp } from '../../../adapters/node/index.js';
import { startServer } from '../../helpers/server.js';
import { makeCert, removeCert, type TestCert } from '../../helpers/tls-cert.js';
import { needs } from '../../helpers/system-program.js';
import { assertSame, startPair } from './peers.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Req = IncomingMessage & { body?: unknown; file?: { fieldname: string; originalname: string; size: number; buffer: Buffer }; files?: unknown[] };

const buildConnectApp = (log: string[]) => {
  const app = connect();
  app.use(helmet() as connect.NextHandleFunction);
  app.use(
    morgan(':method :url :status :res[content-length] :remote-addr HTTP/:http-version', {
      stream: { write: (line: string) => log.push(line.trim()) },
    }) as connect.NextHandleFunction,
  );
  app.use('/text', bodyParser.text({ type: '*/*' }) as connect.NextHandleFunction);
  app.use('/text', (req: Req, res: ServerResponse) => res.end(`text: ${String(req.body)}`));
  app.use('/raw', bodyParser.raw({ type: '*/*', limit: '10kb' }) as connect.NextHandleFunction);
  app.use('/raw', (req: Req, res: ServerResponse) => res.end(`raw: ${(req.body as Buffer).length} bytes`));
  const upload = multer({ storage: multer.memoryStorage() });
  app.use('/upload', upload.single('doc') as unknown as connect.NextHandleFunction);
  app.use('/upload', (req: Req, res: ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    const f = req.file!;
    res.end(JSON.stringify({ fields: req.body, file: { field: f.fieldname, name: f.originalname, size: f.size, head: f.buffer.subarray(0, 12).toString() } }));
  });
  app.use('/', (_req: Req, res: ServerResponse) => res.end('connect root'));
  return app;
};

const multipart = (boundary: string): Buffer =>
  Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nQuarterly report\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="report.txt"\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.from('report body '.repeat(20_000)),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);

test('Connect with helmet, morgan, body-parser and multer answers (and logs) as on node:http', async (t) => {
  const nodeLog: string[] = [];
  const porticoLog: string[] = [];
  const pair = await startPair(t, buildConnectApp(porticoLog), { nodeHandler: buildConnectApp(nodeLog) });

  let r = await assertSame(t, pair, '/');
  t.is(r.body, 'connect root');
  t.is(r.headers['x-content-type-options'], 'nosniff');
  t.truthy(r.headers['content-security-policy']);
  r = await assertSame(t, pair, '/text', { method: 'POST', body: 'plain words', headers: { 'content-type': 'text/plain' } });
  t.is(r.body, 'text: plain words');
  r = await assertSame(t, pair, '/raw', { method: 'POST', body: Buffer.alloc(5000, 1), headers: { 'content-type': 'application/octet-stream' } });
  t.is(r.body, 'raw: 5000 bytes');
  r = await assertSame(t, pair, '/raw', { method: 'POST', body: Buffer.alloc(50_000, 1), headers: { 'content-type': 'application/octet-stream' } });
  t.is(r.status, 413);
  const boundary = '----portico-test-boundary';
  r = await assertSame(t, pair, '/upload', { method: 'POST', body: multipart(boundary), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  t.deepEqual(JSON.parse(r.body), { fields: { title: 'Quarterly report' }, file: { field: 'doc', name: 'report.txt', size: 240_000, head: 'report body ' } });

  t.is(porticoLog.length, 5);
  t.regex(porticoLog[0]!, /^GET \/ 200 - 127\.0\.0\.1 HTTP\/1\.1$/);
  t.deepEqual(porticoLog, nodeLog);
  t.deepEqual(pair.errors, []);
});

const withOpenssl = needs('openssl').test;
let cert: TestCert | undefined;
withOpenssl.before(() => {
  cert = makeCert();
});
withOpenssl.after.always(() => removeCert(cert));

withOpenssl('behind TLS, Express sees a secure connection (req.secure, req.protocol, socket.encrypted)', async (t) => {
  const app = express();
  app.get('/', (req, res) => res.json({ secure: req.secure, protocol: req.protocol, encrypted: (req.socket as { encrypted?: boolean }).encrypted }));
  const { port } = await startServer(t, { tls: { key: cert!.key, cert: cert!.cert }, app: nodeApp(app) });
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', ca: cert!.cert, servername: 'localhost' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  t.deepEqual(JSON.parse(body), { secure: true, protocol: 'https', encrypted: true });
});
