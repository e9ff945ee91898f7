// SIGHUP in one process (nginx -s reload, gunicorn's HUP): read the whole config
// again (flags and file; module-url.ts makes app modules load afresh), refuse it
// when it changes what belongs to the listening socket, else build and apply it
// (launch.ts, then Server.reconfigure). Anything that fails, a module that does
// not load, a bad value, a certificate OpenSSL refuses, leaves the running config
// serving and is one line in the error log. SIGHUPs that arrive during a reload
// fold into one more reload after it. With --workers the primary reloads by a
// rolling restart instead (workers.ts).

import { cliLabel } from './cli-args.js';
import { ConfigError, firstLine, type PorticoConfig } from './config.js';
import type { Logger } from './log.js';
import { nextModuleGeneration } from './module-url.js';

/** Keys of the listening socket (and the process count): a reload cannot change them; a restart can. */
const FIXED_KEYS = ['port', 'host', 'socket', 'proxyProtocol', 'redirectHttp', 'workers'] as const;

/** The first fixed key whose value differs between `a` and `b`, or null. */
export const fixedChange = (a: PorticoConfig, b: PorticoConfig): string | null => {
  for (const key of FIXED_KEYS) if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return key;
  return (a.tlsCert === undefined) !== (b.tlsCert === undefined) ? 'tlsCert' : null;
};

export interface ReloadSteps {
  /** The config running now. */
  config: PorticoConfig;
  /** Reads the config again. */
  reread(): Promise<PorticoConfig>;
  /** Builds and swaps in `next`; throws when it does not load. */
  apply(next: PorticoConfig): Promise<void>;
  logger(): Logger;
  /** Print the "reloaded" line (not in cluster workers). */
  announce: boolean;
}

/** The SIGHUP hook: each call reloads once, after any reload under way; resolves when applied or refused. */
export const reloader = (steps: ReloadSteps): (() => Promise<void>) => {
  let current = steps.config;
  let generation = 0;
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  const once = async (): Promise<void> => {
    try {
      nextModuleGeneration();
      const next = await steps.reread();
      const changed = fixedChange(current, next);
      if (changed !== null) throw new ConfigError(`${cliLabel(changed)} cannot change on reload (it belongs to the listening socket or the process count); restart instead`);
      await steps.apply(next);
      current = next;
      generation++;
      if (steps.announce) process.stderr.write(`portico: SIGHUP: reloaded the config (generation ${generation})\n`);
    } catch (err) {
      steps.logger().error('reload refused; the running config keeps serving', { cause: err instanceof ConfigError ? err.message : firstLine(err) });
    }
  };
  return () => {
    if (!queued) {
      queued = true;
      chain = chain.then(() => {
        queued = false;
        return once();
      });
    }
    return chain;
  };
};
