// The request-side and response-side specs again, with every Request built up
// front (lazyRequest: false): the path the adapter takes where lazy Requests
// are not supported.

import test from 'ava';
import { request } from 'undici';
import { setFetchDefaults, serveFetch } from './helpers.js';
import './build-request.spec.js';
import './write-response.spec.js';

setFetchDefaults({ lazyRequest: false });

test('eager: the handler gets a Request built up front, with the responder signal', async (t) => {
  const { url } = await serveFetch(t, async (req) => {
    const body = await req.text();
    return Response.json({ own: Object.getOwnPropertySymbols(req).length > 0, aborted: req.signal.aborted, method: req.method, body });
  });
  const res = await request(`${url}/f`, { method: 'POST', body: 'x' });
  t.deepEqual(await res.body.json(), { own: true, aborted: false, method: 'POST', body: 'x' });
});
