// The adapter contract suite, with the contract's app written as a Fetch
// handler the way its users write them: routing on the absolute URL, which
// leaves the mount prefix out (stripPrefix, the default).

import test from 'ava';
import { fetchApp } from '../../../adapters/fetch/index.js';
import { runAdapterContract } from '../../helpers/adapter-contract.js';

runAdapterContract(test, 'fetch', () =>
  fetchApp(async (request) => {
    const url = new URL(request.url);
    const rawPath = url.pathname;
    return Response.json({
      method: request.method,
      path: decodeURIComponent(rawPath),
      query: url.search.slice(1),
      header: request.headers.get('x-contract'),
      body: await request.text(),
    });
  }),
);
