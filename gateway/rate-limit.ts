// Rate limiting per client address, as nginx's limit_req (with `nodelay`): each
// address has a leaky bucket that drains at `rate` requests per second and holds
// `burst` requests above it; a request that would overflow it is answered 429
// with Retry-After (RFC 6585 §4) through the server's error pages, and the app
// never sees it. The address is env.remoteAddress, which behind the PROXY
// protocol is the client the header named, not the load balancer. Memory is
// bounded: buckets live in a Map kept in last-use order, a bucket that has
// drained empty is the same as no bucket and is dropped (the oldest are checked
// on every request), and past `maxClients` the least recently used is evicted.
// Unlike nginx without `nodelay`, requests within the burst are never delayed.
// The server-wide limit is one bucket per address across every mount that has
// no limit of its own (nginx's limit_req at server level); a mount's own limit
// has its buckets to itself.

import type { App, Env, Responder } from '../adapters/env.js';
import { errorAnswer } from '../adapters/error-page.js';
import { fail, nonNegative, plainObject, positive, unknownKey, type Check } from './option-checks.js';
import type { MountOptions, MountTable } from './router.js';
import { ConfigError } from './config-error.js';

export interface RateLimitOptions {
  /** Requests per second, or nginx's "10r/s" / "600r/m". */
  rate: number | string;
  /** Requests allowed above the rate at once (nginx's burst). Default 0. */
  burst?: number;
  /** Most addresses tracked at once (nginx's zone size). Default 100 000. */
  maxClients?: number;
}

const RATE = /^(\d+(?:\.\d+)?)\s*r\/(s|m)$/;

/** "10r/s", "600r/m" or a number of requests per second → requests per second; NaN when it is neither. */
const rateOf = (rate: unknown): number => {
  if (typeof rate === 'number') return rate > 0 && Number.isFinite(rate) ? rate : NaN;
  const m = typeof rate === 'string' ? RATE.exec(rate.trim()) : null;
  if (m === null || !(Number(m[1]) > 0)) return NaN;
  return m[2] === 's' ? Number(m[1]) : Number(m[1]) / 60;
};

/** "10r/s", "600r/m" or a number of requests per second → requests per second. */
export const parseRate = (rate: number | string): number => {
  const perSecond = rateOf(rate);
  if (Number.isNaN(perSecond)) throw new ConfigError(`rate must look like "10r/s" or "600r/m" (or be a positive number per second), got ${JSON.stringify(rate)}`);
  return perSecond;
};

const RATE_WHAT = 'a rate such as "10r/s" or "600r/m", or a positive number of requests per second';
const KEYS = ['rate', 'burst', 'maxClients'];

/**
 * The option's check (options-schema.ts): the CLI's "RATE" or "RATE,burst=N"
 * (as `limit_req ... burst=N` reads), { rate, burst, maxClients }, or false (a
 * mount without the server's limit).
 */
export const rateLimitCheck: Check<RateLimitOptions | false> = (v, label, ctx) => {
  if (v === false) return false;
  if (typeof v === 'string') {
    const [rate, ...rest] = v.split(',').map((s) => s.trim());
    const out: RateLimitOptions = { rate: rate! };
    for (const part of rest) {
      const m = /^burst=(\d+)$/.exec(part);
      if (m === null) fail(label, 'RATE or RATE,burst=N (10r/s,burst=20)', v);
      out.burst = Number(m![1]);
    }
    if (Number.isNaN(rateOf(out.rate))) fail(label, 'RATE or RATE,burst=N with RATE like 10r/s or 600r/m', v);
    return out;
  }
  const o = plainObject(v, label);
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw unknownKey(label, k, KEYS);
  if (Number.isNaN(rateOf(o['rate']))) fail(`${label}.rate`, RATE_WHAT, o['rate']);
  const out: RateLimitOptions = { rate: o['rate'] as number | string };
  if (o['burst'] !== undefined) out.burst = nonNegative(o['burst'], `${label}.burst`, ctx);
  if (o['maxClients'] !== undefined) out.maxClients = positive(o['maxClients'], `${label}.maxClients`, ctx);
  return out;
};
interface Bucket {
  /** Requests above the rate, as of `at` (nginx's "excess"). */
  excess: number;
  at: number;
}

export class RateLimiter {
  readonly perMs: number;
  readonly burst: number;
  readonly maxClients: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    this.perMs = parseRate(options.rate) / 1000;
    this.burst = options.burst ?? 0;
    this.maxClients = options.maxClients ?? 100_000;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one request for `key`: 0 when allowed, else the seconds to wait before one would be. */
  take(key: string, now = performance.now()): number {
    const bucket = this.buckets.get(key);
    const excess = bucket === undefined ? 1 : Math.max(0, bucket.excess - (now - bucket.at) * this.perMs) + 1;
    this.dropDrained(now);
    if (excess > this.burst + 1) {
      // Refused requests do not fill the bucket (nginx does not count them either),
      // but keep it recent: an address being refused must not be the one evicted.
      this.buckets.delete(key);
      this.buckets.set(key, bucket!);
      return Math.max(1, Math.ceil((excess - this.burst - 1) / this.perMs / 1000));
    }
    if (bucket !== undefined) this.buckets.delete(key);
    this.buckets.set(key, { excess, at: now });
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    return 0;
  }

  /** Drops the least recently used buckets while they have drained empty (two per call keeps up with one insert). */
  private dropDrained(now: number): void {
    for (let i = 0; i < 2; i++) {
      const first = this.buckets.entries().next();
      if (first.done) return;
      const [key, b] = first.value;
      if (b.excess - (now - b.at) * this.perMs > 0) return;
      this.buckets.delete(key);
    }
  }
}

/** Wraps `app` so that each client address is held to `limiter`'s rate. */
export const rateLimited = (app: App, limiter: RateLimiter): App => (env: Env, res: Responder) => {
  const wait = limiter.take(env.remoteAddress);
  if (wait === 0) return app(env, res);
  return errorAnswer(env, {
    status: 429,
    message: 'Too many requests from this address; retry later.',
    code: 'ERR_RATE_LIMITED',
    headers: { 'retry-after': String(wait) },
  });
};

/** The limiters of one mount table, by what they limit; a reload passes them on so buckets survive it (as nginx's zones do). */
export type Limiters = Map<string, RateLimiter>;

/**
 * Wraps each mount whose `rateLimit` is set (the top-level value arrives in every
 * mount as its default, the same object: those mounts share one limiter, the
 * server-wide one). A limiter of `previous` with the same key and options is
 * kept, with its buckets.
 */
export const rateLimitMounts = (table: MountTable, server: RateLimitOptions | false | undefined, previous?: Limiters): { table: MountTable; limiters: Limiters } => {
  const limiters: Limiters = new Map();
  const out: MountTable = {};
  for (const [prefix, spec] of Object.entries(table)) {
    const limit = typeof spec === 'function' ? server : spec.rateLimit;
    if (limit === undefined || limit === false) {
      out[prefix] = spec;
      continue;
    }
    const key = `${limit === server ? '*' : prefix} ${JSON.stringify(limit)}`;
    let limiter = limiters.get(key) ?? previous?.get(key);
    if (limiter === undefined) limiter = new RateLimiter(limit);
    limiters.set(key, limiter);
    const options: MountOptions = typeof spec === 'function' ? { app: spec } : spec;
    out[prefix] = { ...options, app: rateLimited(options.app, limiter) };
  }
  return { table: out, limiters };
};
