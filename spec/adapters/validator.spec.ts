import test, { type ExecutionContext } from 'ava';
import { request } from 'undici';
import { startServer } from '../helpers/server.js';
import { runAdapterContract, type ContractAnswer } from '../helpers/adapter-contract.js';
import { validate, checkEnv, ContractViolation, type App, type Env, type Violation } from '../../gateway/index.js';

// The native interface passes its own contract suite.
const nativeContractApp: App = async (env) => {
  const answer: ContractAnswer = {
    method: env.method,
    path: env.pathInfo,
    query: env.queryString,
    header: env.headers['x-contract'] ?? null,
    body: await env.body.text(),
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) };
};
runAdapterContract(test, 'native', () => nativeContractApp);

const collect = async (t: ExecutionContext, app: App, init?: Parameters<typeof request>[1]) => {
  const violations: Violation[] = [];
  const { url } = await startServer(t, { app: validate(app, (v) => violations.push(v)) });
  const res = await request(url + '/x', init);
  await res.body.text().catch(() => '');
  return { violations, status: res.statusCode };
};

test('a well-behaved streaming app has no violations', async (t) => {
  const { violations, status } = await collect(t, (_env, res) => {
    res.writeHead(200, [['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
    res.write('a');
    res.end('b', { 'x-t': '1' });
  });
  t.is(status, 200);
  t.deepEqual(violations, []);
});

const appCases: Array<[string, App, string]> = [
  ['invalid status', () => ({ status: 42 }), 'response.status'],
  ['header value with CR LF', () => ({ status: 200, headers: { 'x-a': 'v\r\nx-b: injected' } }), 'response.headers'],
  ['header name not a token', () => ({ status: 200, headers: { 'bad name': 'v' } }), 'response.headers'],
  ['body of an unsupported type', () => ({ status: 200, body: 42 as unknown as string }), 'response.body'],
  ['returns a number', () => 7 as unknown as void, 'app.return'],
  [
    'write after end',
    (_env, res) => {
      res.end('x');
      res.write('y');
    },
    'res.write-after-end',
  ],
  [
    'end twice',
    (_env, res) => {
      res.end('x');
      res.end();
    },
    'res.write-after-end',
  ],
  [
    'responds and returns',
    (_env, res) => {
      res.end('x');
      return { status: 200 };
    },
    'app.return',
  ],
  ['writeHead with a bad status', (_env, res) => void res.writeHead(1000), 'res.writeHead'],
  ['a body limit that is not a byte count', (env) => void env.body.limit!(-1), 'body.limit'],
];

for (const [title, app, rule] of appCases) {
  test(`reports an app that breaks the contract: ${title}`, async (t) => {
    const { violations } = await collect(t, app);
    t.true(violations.length > 0, 'a violation is reported');
    t.true(violations.every((v) => v.side === 'app'));
    t.true(violations.some((v) => v.rule === rule), `rule ${rule} in ${JSON.stringify(violations)}`);
  });
}

test('by default a violation throws, and the server answers 500', async (t) => {
  const { url, errors } = await startServer(t, { app: validate(() => ({ status: 42 })) });
  const res = await request(url + '/');
  t.is(res.statusCode, 500);
  await res.body.text();
  t.true(errors.some((e) => e.includes('ContractViolation')));
});

test('checkEnv reports a server that builds a bad env', (t) => {
  const bad = {
    method: 'G E T',
    scriptName: '/app/',
    pathInfo: 'x',
    rawPathInfo: 'x',
    queryString: 1,
    target: '',
    protocol: 'HTTP/2',
    headers: { Host: 'a\n' },
    rawHeaders: ['a'],
    body: {},
    scheme: 'ftp',
    secure: 'no',
    serverName: '',
    serverPort: 70000,
    remotePort: -1,
    localPort: 1.5,
    remoteAddress: 1,
    localAddress: null,
    extensions: null,
  } as unknown as Env;
  const rules: string[] = [];
  checkEnv(bad, (rule) => rules.push(rule));
  for (const rule of [
    'env.method', 'env.scriptName', 'env.pathInfo', 'env.rawPathInfo', 'env.queryString', 'env.target', 'env.protocol',
    'env.headers', 'env.rawHeaders', 'env.body', 'env.scheme', 'env.secure', 'env.serverName', 'env.serverPort',
    'env.remotePort', 'env.localPort', 'env.remoteAddress', 'env.localAddress', 'env.extensions',
  ]) {
    t.true(rules.includes(rule), `reports ${rule}`);
  }
  t.throws(() => validate(() => undefined)(bad, {} as never), { instanceOf: ContractViolation });
  const body = { length: 0, read: () => null, flow: () => {} };
  const limits: string[] = [];
  checkEnv({ ...(bad as object), body: { ...body, limit: 5 } } as unknown as Env, (rule, message) => void (rule === 'env.body' && limits.push(message)));
  checkEnv({ ...(bad as object), body } as unknown as Env, (rule, message) => void (rule === 'env.body' && limits.push(message)));
  t.deepEqual(limits, ['limit is not a function'], 'limit() is optional, and a function when present');
});
