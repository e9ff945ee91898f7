// One Express application exercising the features the comparison tests cover,
// built from either Express 4 or Express 5 (same API for everything used here),
// over a directory of files created for the run.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ErrorRequestHandler, Express, NextFunction, Request, Response } from 'express';
import type expressModule from 'express';
import cookieParser from 'cookie-parser';
import compression from 'compression';

export interface Fixtures {
  dir: string;
  small: string;
  big: string;
}

/** A directory with a small file, a 300 KB file and a subdirectory with an index page. */
export const makeFixtures = (): Fixtures => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-express-'));
  const small = path.join(dir, 'hello.txt');
  fs.writeFileSync(small, 'Hello from a file on disk.\n'.repeat(3));
  const big = path.join(dir, 'big.txt');
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < 300_000; i++) lines.push(`line ${i} ${'abcdefghij'.repeat(i % 7)}\n`);
  fs.writeFileSync(big, lines.join(''));
  fs.mkdirSync(path.join(dir, 'dir'));
  fs.writeFileSync(path.join(dir, 'dir', 'index.html'), '<h1>index</h1>\n');
  // Fixed times so that ETag and Last-Modified are the same on every run.
  const when = new Date('2024-05-01T12:00:00Z');
  for (const f of [small, big, path.join(dir, 'dir', 'index.html')]) fs.utimesSync(f, when, when);
  return { dir, small, big };
};

const LONG_TEXT = 'Compressible text, repeated to pass the 1 KB threshold. '.repeat(200);

export const buildExpressApp = (express: typeof expressModule, files: Fixtures): Express => {
  const app = express();
  // Production: error pages without stack traces (whose frames differ between servers).
  app.set('env', 'production');
  app.set('etag', 'strong');
  app.use(cookieParser('cookie secret'));

  app.get('/users/:id/books/:book', (req, res) => {
    res.json({ params: req.params, query: req.query, path: req.path, url: req.url });
  });
  app.post('/json', express.json(), (req, res) => res.json({ got: req.body, type: req.get('content-type') }));
  app.post('/form', express.urlencoded({ extended: false }), (req, res) => res.json({ got: req.body }));
  app.get('/redirect', (_req, res) => res.redirect('/users/1/books/2'));
  app.get('/moved', (_req, res) => res.redirect(301, 'https://example.com/elsewhere'));
  app.get('/file', (_req, res, next) => res.sendFile(files.small, (err) => err && next(err)));
  app.get('/download', (_req, res, next) => res.download(files.small, 'report.txt', (err) => err && next(err)));
  app.use('/static', express.static(files.dir));

  app.get('/set-cookies', (_req, res) => {
    res.cookie('plain', 'one', { path: '/', httpOnly: true });
    res.cookie('signed', 'two', { signed: true, sameSite: 'lax' });
    res.cookie('obj', { a: 1 }, { expires: new Date('2030-01-01T00:00:00Z') }); // maxAge would make Expires depend on the clock
    res.clearCookie('old');
    res.send('cookies set');
  });
  app.get('/read-cookies', (req, res) => res.json({ cookies: req.cookies, signed: req.signedCookies }));

  app.get('/gz/text', compression(), (_req, res) => res.type('text').send(LONG_TEXT));
  app.get('/gz/stream', compression(), (_req, res) => {
    res.type('text');
    for (let i = 0; i < 20; i++) res.write(LONG_TEXT.slice(0, 500) + i + '\n');
    res.end();
  });

  app.get('/stream', (_req, res) => {
    res.type('text');
    let i = 0;
    const tick = (): void => {
      if (i === 10) {
        res.end('done\n');
        return;
      }
      res.write(`part ${i++}\n`);
      setImmediate(tick);
    };
    tick();
  });
  app.get('/pipe', (_req, res) => {
    res.type('text');
    fs.createReadStream(files.big).pipe(res);
  });

  app.get('/fail', (_req, _res, next) => next(new Error('handled by the app')));
  app.get('/teapot', (_req, _res, next) => next(Object.assign(new Error('short and stout'), { status: 418, expose: true })));
  app.get('/throws', () => {
    throw new Error('thrown in a route');
  });

  const sub = express();
  sub.set('env', 'production');
  sub.get('/where', (req, res) => res.json({ baseUrl: req.baseUrl, originalUrl: req.originalUrl, url: req.url, path: req.path }));
  sub.get('/go', (_req, res) => res.redirect('where'));
  app.use('/sub', sub);

  const onError: ErrorRequestHandler = (err: Error, req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/fail') return next(err);
    res.status(500).json({ error: err.message });
  };
  app.use(onError);
  return app;
};
