// The response-side and request-side specs again with Node's own Response
// (fetchApp's `lightResponse: false`): the path every Response takes where the
// light one is not installed, or after something read its body. The light
// Response is the default, so the other specs cover it.

import test from 'ava';
import { NodeResponse } from '../../../adapters/fetch/light-response.js';
import { setFetchDefaults, serveFetch } from './helpers.js';
import './write-response.spec.js';
import './body-pump.spec.js';
import './build-request.spec.js';

setFetchDefaults({ lightResponse: false });

test.serial("lightResponse: false: a handler builds Node's Response while the server runs", async (t) => {
  const { url } = await serveFetch(t, () => new Response(String(globalThis.Response === NodeResponse)));
  t.is(await (await fetch(`${url}/f`)).text(), 'true');
});
