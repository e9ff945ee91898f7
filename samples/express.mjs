// An unmodified Express app, hosted by Portico through portico/node's nodeApp.
// Mounted by the demo at /express: routes see paths inside the mount
// (req.url = "/users/7"), while req.originalUrl keeps the full target.
import express from 'express';
import cookieParser from 'cookie-parser';
import compression from 'compression';
import { nodeApp } from 'portico/node';

export const app = express();
app.use(compression());
app.use(cookieParser());
app.use(express.json());

app.get('/', (req, res) => {
  const visits = Number(req.cookies.visits ?? 0) + 1;
  res.cookie('visits', String(visits), { httpOnly: true, sameSite: 'lax' });
  res.type('html').send(`<h1>Express on Portico</h1>
<p>Visit number ${visits}. Try <a href="users/7">users/7</a>, <a href="stream">stream</a>
or <code>curl -d '{"a":1}' -H 'content-type: application/json' ${req.originalUrl.replace(/\/$/, '')}/echo</code>.</p>`);
});
app.get('/users/:id', (req, res) => res.json({ id: req.params.id, url: req.url, originalUrl: req.originalUrl }));
app.post('/echo', (req, res) => res.json({ youSent: req.body }));
app.get('/stream', (req, res) => {
  res.type('text');
  let n = 0;
  const timer = setInterval(() => {
    res.write(`tick ${++n}\n`);
    if (n === 5) {
      clearInterval(timer);
      res.end('done\n');
    }
  }, 200);
  res.on('close', () => clearInterval(timer));
});

export default nodeApp(app);
