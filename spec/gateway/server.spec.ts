import test from 'ava';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { exchange } from '../helpers/raw-client.js';
import { header } from '../helpers/response-reader.js';
import type { App } from '../../gateway/index.js';

const hello: App = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'Hello World!' });

test('serves a native app to undici', async (t) => {
  const { url } = await startServer(t, { app: hello });
  const res = await request(url + '/anything');
  t.is(res.statusCode, 200);
  t.is(res.headers['content-length'], '12');
  t.truthy(res.headers['date']);
  t.is(await res.body.text(), 'Hello World!');
});

test('a duplicate Host is a 400 and the connection closes', async (t) => {
  const { port } = await startServer(t, { app: hello });
  const r = await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  t.is(r.responses[0]?.status, 400);
  t.is(header(r.responses[0]!, 'connection'), 'close');
  t.true(r.closed);
});

test('ten pipelined requests in one write are answered in order', async (t) => {
  const app: App = (env) => ({ status: 200, body: env.pathInfo });
  const { port } = await startServer(t, { app });
  let req = '';
  for (let i = 0; i < 10; i++) req += `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const r = await exchange(port, req, { expectResponses: 10 });
  t.deepEqual(r.responses.map((x) => x.body.toString()), Array.from({ length: 10 }, (_, i) => `/${i}`));
  t.false(r.closed);
});
