// The contract suite every adapter runs (in the manner of Hono's shared case
// suite and uvicorn's contract tests). The adapter under test supplies an app,
// written the way its users write apps, that answers every request with JSON
// `{ method, path, query, header, body }`: the path as the app sees it below its
// mount, the raw query string, the value of the request's `x-contract` field, and
// the request body as text. The suite mounts it under a prefix behind validate(),
// so Portico's env and the adapter's use of the responder are both checked, and
// sends the same requests every adapter must answer alike.

import type { ExecutionContext } from 'ava';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { validate, type App, type Violation } from '../../gateway/index.js';
import { startServer } from './server.js';
import { exchange } from './raw-client.js';

export interface ContractAnswer {
  method: string;
  path: string;
  query: string;
  header: string | null;
  body: string;
}

export interface ContractCase {
  title: string;
  run(t: ExecutionContext, base: string, port: number): Promise<void>;
}

const json = async (res: Awaited<ReturnType<typeof request>>): Promise<ContractAnswer> =>
  JSON.parse(await res.body.text()) as ContractAnswer;

export const CONTRACT_CASES: ContractCase[] = [
  {
    title: 'GET below the mount: path, query and a header reach the app',
    async run(t, base) {
      const res = await request(`${base}/a/b?x=1&y=%20`, { headers: { 'x-contract': 'yes' } });
      t.is(res.statusCode, 200);
      t.deepEqual(await json(res), { method: 'GET', path: '/a/b', query: 'x=1&y=%20', header: 'yes', body: '' });
    },
  },
  {
    title: 'POST with a Content-Length body',
    async run(t, base) {
      const res = await request(`${base}/post`, { method: 'POST', body: 'hello body', headers: { 'content-type': 'text/plain' } });
      t.is(res.statusCode, 200);
      const answer = await json(res);
      t.is(answer.method, 'POST');
      t.is(answer.body, 'hello body');
    },
  },
  {
    title: 'PUT with a chunked body of several chunks',
    async run(t, base) {
      async function* parts() {
        yield Buffer.from('one,');
        yield Buffer.from('two,');
        yield Buffer.from('three');
      }
      const res = await request(`${base}/put`, { method: 'PUT', body: Readable.from(parts()) });
      t.is(res.statusCode, 200);
      t.is((await json(res)).body, 'one,two,three');
    },
  },
  {
    title: 'an encoded path is decoded once',
    async run(t, base) {
      const res = await request(`${base}/caf%C3%A9/%7Euser`);
      t.is((await json(res)).path, '/café/~user');
    },
  },
  {
    title: 'HEAD gets the fields of GET and no body',
    async run(t, _base, port) {
      const get = await exchange(port, `GET ${prefixOf(_base)}/h HTTP/1.1\r\nHost: x\r\n\r\n`);
      const head = await exchange(port, `HEAD ${prefixOf(_base)}/h HTTP/1.1\r\nHost: x\r\n\r\n`, { headRequests: new Set([0]) });
      t.is(head.responses[0]?.status, get.responses[0]?.status);
      t.is(head.responses[0]?.body.length, 0);
      t.is(head.rest.length, 0);
    },
  },
  {
    title: 'an HTTP/1.0 client is answered in HTTP/1.1 and the connection closes',
    async run(t, base, port) {
      const r = await exchange(port, `GET ${prefixOf(base)}/old HTTP/1.0\r\n\r\n`);
      t.is(r.responses[0]?.status, 200);
      t.true(r.closed);
      t.is((JSON.parse(r.responses[0]!.body.toString()) as ContractAnswer).path, '/old');
    },
  },
];

const prefixOf = (base: string): string => new URL(base).pathname.replace(/\/$/, '');

/** Runs every contract case against `makeApp()` mounted at /contract behind validate(). */
export const runAdapterContract = (
  test: (title: string, fn: (t: ExecutionContext) => Promise<void>) => void,
  adapter: string,
  makeApp: () => App | Promise<App>,
): void => {
  for (const c of CONTRACT_CASES) {
    test(`${adapter} contract: ${c.title}`, async (t) => {
      const violations: Violation[] = [];
      const app = validate(await makeApp(), (v) => violations.push(v));
      const { url, port, errors } = await startServer(t, { mounts: { '/contract': app } });
      await c.run(t, `${url}/contract`, port);
      t.deepEqual(violations, [], 'no contract violation by server or adapter');
      t.deepEqual(errors, [], 'nothing in the error log');
    });
  }
};
