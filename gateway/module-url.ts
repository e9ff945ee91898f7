// The URL an app module or config module is imported from. ES modules are cached
// for the life of the process, so a reload (SIGHUP) that imported the same URL
// would get the old code: after a reload the URL carries the reload's number as
// a query, which makes a new module record, and a resolve hook (reload-hooks.ts,
// registered at the first reload) passes the query on to the files that module
// imports, so the app's own modules are evaluated afresh too. Packages under
// node_modules and Portico itself stay cached, as do CommonJS files (require()'s
// cache). Old records are never freed: each reload costs the app's module
// memory once; a --workers reload starts fresh processes instead.

import module from 'node:module';
import { pathToFileURL } from 'node:url';

let generation = 0;

/** Called by a reload before it reads the config again. */
export const nextModuleGeneration = (): number => {
  // module.register exists from Node 20.6; before it only the module named is fresh.
  if (generation === 0 && typeof module.register === 'function') module.register('./reload-hooks.js', import.meta.url);
  return ++generation;
};

export const moduleUrl = (file: string): string => pathToFileURL(file).href + (generation === 0 ? '' : `?portico-reload=${generation}`);
