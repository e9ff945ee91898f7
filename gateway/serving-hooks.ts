// Calls the serving hooks of a server's apps (adapters/env.ts, SERVING_HOOK) when
// it starts listening, and their releases once it has closed: the process-wide
// state an app needs while it is served (the fetch adapter's light Response) is
// held exactly that long. A reload holds the new apps' hooks, then releases the
// old ones. Hooks are read from the mount table as given, before compression or
// other wrappers hide them; an app mounted twice is held once.

import { SERVING_HOOK, type App, type ServingHook } from '../adapters/env.js';
import type { MountTable } from './router.js';
import type { ServeOptions } from './server.js';

const hookOf = (app: unknown): ServingHook | undefined => {
  const hook = typeof app === 'function' ? (app as { [SERVING_HOOK]?: unknown })[SERVING_HOOK] : undefined;
  return typeof hook === 'function' ? (hook as ServingHook) : undefined;
};

/** Calls the hook of every app `options` mounts; the function returned releases them all (once). */
export const holdServingHooks = (options: Pick<ServeOptions, 'app' | 'mounts'>): (() => void) => {
  const table: MountTable = options.mounts ?? (typeof options.app === 'function' ? { '': options.app } : (options.app ?? {}));
  const hooks = new Set<ServingHook>();
  for (const spec of Object.values(table)) {
    const hook = hookOf(typeof spec === 'function' ? spec : (spec.app as App | string));
    if (hook !== undefined) hooks.add(hook);
  }
  const releases = [...hooks].map((hook) => hook());
  return () => {
    for (const release of releases.splice(0)) release();
  };
};
