// staticApp(options): an app of the gateway interface that serves files below a
// root, the way Kamaelia's "Minimal" handler served a home directory, grown into
// what nginx's static module does. One request runs as a short pipeline:
//   method (GET/HEAD; OPTIONS 204; else 405) → path rules (safe-path) →
//   realpath + stat (resolve-file) → directory: redirect, index, listing →
//   not found: the single-page app's shell for a client that accepts HTML →
//   representation (a precompressed sibling if accepted, never for ranges) →
//   preconditions (304/412) → range (206/416) → open and stream (send-file).
// Answers that carry no file bytes (304, 412, 416, HEAD) never open the file.
// Ranges always address the file itself: a request with Range gets the
// identity representation, so byte offsets mean the same thing to every client.

import type { App, Env, Responder } from '../env.js';
import { resolveOptions, type StaticConfig, type StaticOptions } from './options.js';
import { fileNameOf } from './safe-path.js';
import { checkReal, refusalFor, resolveFile, type ResolvedFile } from './resolve-file.js';
import { acceptableSiblings } from './encodings.js';
import { PROCEED, evaluatePreconditions, lastModifiedSeconds, makeEtag } from './conditional.js';
import { UNSATISFIABLE, ifRangeAllows, parseRange, type ByteRange } from './ranges.js';
import { planByteranges } from './byteranges.js';
import { CHUNK_BYTES, pipeRange, readExactly } from './send-file.js';
import { closeSoon, lstat, openForReading } from './fs-calls.js';
import { listingHtml, listingJson, readListing } from './listing.js';
import { acceptsHtml } from './accepts-html.js';
import { prefersJson } from '../error-page.js';
import type { Refusal } from './safe-path.js';
import { ALLOW, sendStatus } from './status.js';

type Fields = Record<string, string>;

/** The representation chosen for a response: the file or a precompressed sibling. */
interface Representation {
  real: string;
  size: number;
  mtimeMs: number;
  coding: string | null;
}

export const staticApp = (options: StaticOptions): App => {
  const config = resolveOptions(options);
  return (env, res) => {
    const method = env.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (method === 'OPTIONS') {
        res.writeHead(204, { allow: ALLOW });
        res.end();
        return;
      }
      return sendStatus(env, res, 405, { allow: ALLOW });
    }
    const name = fileNameOf(env.pathInfo, config.allowDotfiles);
    if (typeof name === 'number') return notFound(config, env, res, name);
    return servePath(config, env, res, name);
  };
};

const servePath = async (config: StaticConfig, env: Env, res: Responder, name: string): Promise<void> => {
  const found = await resolveFile(config, config.root + name);
  if (typeof found === 'number') return notFound(config, env, res, found);
  if (found.stats.isDirectory()) return serveDirectory(config, env, res, name, found);
  // FIFOs, sockets and devices are not documents (and opening a FIFO would block).
  if (!found.stats.isFile()) return notFound(config, env, res, 404);
  return serveFile(config, env, res, name, found);
};

/**
 * A 404 becomes the single-page app's shell (200) for a client that would render
 * it: the app's router handles the path in the browser. The answer depends on
 * Accept, so it says so in Vary; a 403 (a dotfile) stays a 403.
 */
const notFound = async (config: StaticConfig, env: Env, res: Responder, status: Refusal): Promise<void> => {
  if (config.spa === null || status !== 404) return sendStatus(env, res, status);
  if (!acceptsHtml(env.headers['accept'])) return sendStatus(env, res, 404, { vary: 'Accept' });
  const shell = await resolveFile(config, config.root + config.spa);
  if (typeof shell === 'number' || !shell.stats.isFile()) return sendStatus(env, res, 404, { vary: 'Accept' });
  return serveFile(config, env, res, config.spa, shell, true);
};

/** True for the single-page app's shell, wherever it is served from ("/", "/index.html", a fallback). */
const isShell = (config: StaticConfig, real: string): boolean =>
  config.spa !== null && real === (config.realRoot === '/' ? '' : config.realRoot) + config.spa;

const serveDirectory = async (config: StaticConfig, env: Env, res: Responder, name: string, dir: ResolvedFile): Promise<void> => {
  if (!name.endsWith('/')) return redirectToSlash(env, res);
  for (const index of config.index) {
    const found = await resolveFile(config, dir.real + '/' + index);
    if (typeof found === 'number') {
      if (found === 404) continue;
      return sendStatus(env, res, found);
    }
    if (found.stats.isFile()) return serveFile(config, env, res, index, found);
  }
  if (!config.listDirectories) return notFound(config, env, res, 404);
  const urlPath = collapseLeadingSlashes(env.scriptName + env.rawPathInfo);
  let entries;
  try {
    entries = await readListing(dir.real, config.allowDotfiles);
  } catch (err) {
    return sendStatus(env, res, refusalFor(err));
  }
  // The file name, fully decoded: pathInfo keeps "%25" encoded, which a title must not show.
  const displayPath = env.scriptName + name;
  // A listing changes whenever a file does: never cached without asking.
  const fields = { 'cache-control': 'no-cache', vary: 'Accept' };
  if (prefersJson(env.headers['accept'])) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...fields });
    res.end(listingJson(entries, urlPath, displayPath));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...fields });
  res.end(listingHtml(entries, urlPath, displayPath));
};

/** RFC 9110 §15.4.2: the directory's URL ends in "/", so its relative links resolve inside it. */
const redirectToSlash = (env: Env, res: Responder): void => {
  let location = collapseLeadingSlashes(env.scriptName + env.rawPathInfo + '/');
  if (env.queryString !== '') location += '?' + env.queryString;
  res.writeHead(301, { location, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`Moved to ${location}\n`);
};

/** "//evil.example/" would be a network-path reference to another host (RFC 3986 §4.2). */
const collapseLeadingSlashes = (path: string): string =>
  path.charCodeAt(1) === 47 ? '/' + path.replace(/^\/+/, '') : path;

/** `fallback`: the file answers for a path that is not there (the single-page app's shell). */
const serveFile = async (config: StaticConfig, env: Env, res: Responder, name: string, file: ResolvedFile, fallback = false): Promise<void> => {
  const headers = env.headers;
  const isGet = env.method === 'GET';
  // RFC 9110 §14.2: Range is defined for GET only.
  const range = isGet ? headers['range'] : undefined;
  let rep: Representation = { real: file.real, size: file.stats.size, mtimeMs: file.stats.mtimeMs, coding: null };
  if (config.precompressed && range === undefined) rep = await chooseSibling(config, rep, headers['accept-encoding']);

  const etag = config.etag ? makeEtag(rep.size, rep.mtimeMs, rep.coding) : null;
  const fields: Fields = { 'last-modified': new Date(rep.mtimeMs).toUTCString() };
  if (etag !== null) fields['etag'] = etag;
  // The shell names the current build's assets: it must be revalidated even when the assets are immutable.
  if (isShell(config, file.real)) fields['cache-control'] = 'no-cache';
  else if (config.cacheControl !== null) fields['cache-control'] = config.cacheControl;
  if (config.precompressed) fields['vary'] = fallback ? 'Accept-Encoding, Accept' : 'Accept-Encoding';
  else if (fallback) fields['vary'] = 'Accept';

  const precondition = evaluatePreconditions(headers, true, etag, lastModifiedSeconds(rep.mtimeMs));
  if (precondition !== PROCEED) {
    // RFC 9110 §15.4.5: a 304 carries the validators and caching fields a 200 would.
    res.writeHead(precondition, fields);
    res.end();
    return;
  }

  const type = config.mime.lookup(name);
  fields['accept-ranges'] = 'bytes';
  if (rep.coding !== null) fields['content-encoding'] = rep.coding;

  if (range !== undefined && ifRangeAllows(headers['if-range'], etag, rep.mtimeMs)) {
    const ranges = parseRange(range, rep.size);
    if (ranges === UNSATISFIABLE) {
      fields['content-range'] = 'bytes */' + rep.size;
      return sendStatus(env, res, 416, fields);
    }
    if (ranges !== null) return sendRanges(env, res, rep, type, fields, ranges);
  }

  fields['content-type'] = type;
  fields['content-length'] = String(rep.size);
  if (!isGet) {
    res.writeHead(200, fields);
    res.end();
    return;
  }
  const fd = await openOrRefuse(env, res, rep.real);
  if (fd === -1) return;
  await sendBody(res, fd, 200, fields, 0, rep.size - 1);
};

/** Picks the best precompressed sibling the client accepts that exists and is not older than the file. */
const chooseSibling = async (config: StaticConfig, rep: Representation, acceptEncoding: string | undefined): Promise<Representation> => {
  const siblings = acceptableSiblings(acceptEncoding);
  if (siblings.length === 0) return rep;
  // The sibling of the real file: its directory is symlink-free, only its own name may be a link.
  const stats = await Promise.all(siblings.map((s) => lstat(rep.real + s.suffix).catch(() => null)));
  for (let i = 0; i < siblings.length; i++) {
    let s = stats[i];
    if (s === null || s === undefined) continue;
    let real = rep.real + siblings[i]!.suffix;
    if (s.isSymbolicLink()) {
      const found = await resolveFile(config, real);
      if (typeof found === 'number') continue;
      real = found.real;
      s = found.stats;
    } else if ((await checkReal(config, real)) !== 0) continue;
    // A stale sibling (the file was edited after it was compressed) would serve old content.
    if (!s.isFile() || s.mtimeMs < rep.mtimeMs) continue;
    return { real, size: s.size, mtimeMs: s.mtimeMs, coding: siblings[i]!.coding };
  }
  return rep;
};

const sendRanges = async (env: Env, res: Responder, rep: Representation, type: string, fields: Fields, ranges: ByteRange[]): Promise<void> => {
  const fd = await openOrRefuse(env, res, rep.real);
  if (fd === -1) return;
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!;
    fields['content-type'] = type;
    fields['content-range'] = `bytes ${start}-${end}/${rep.size}`;
    fields['content-length'] = String(end - start + 1);
    return sendBody(res, fd, 206, fields, start, end);
  }
  const plan = planByteranges(ranges, rep.size, type);
  fields['content-type'] = plan.contentType;
  fields['content-length'] = String(plan.length);
  try {
    res.writeHead(206, fields);
    for (let i = 0; i < ranges.length && !res.aborted; i++) {
      res.write(plan.partHeads[i]!);
      await pipeRange(res, fd, ranges[i]!.start, ranges[i]!.end);
    }
    if (!res.aborted) res.end(plan.tail);
  } finally {
    closeSoon(fd);
  }
};

/** Sends bytes start..end of an open file with the given head; small bodies go out in one piece. */
const sendBody = async (res: Responder, fd: number, status: number, fields: Fields, start: number, end: number): Promise<void> => {
  try {
    const length = end - start + 1;
    if (length <= CHUNK_BYTES) {
      // Read before the head goes out: a read error is still a clean 500.
      const body = length === 0 ? undefined : await readExactly(fd, start, length);
      res.writeHead(status, fields);
      res.end(body);
      return;
    }
    res.writeHead(status, fields);
    await pipeRange(res, fd, start, end);
    if (!res.aborted) res.end();
  } finally {
    closeSoon(fd);
  }
};

/** A descriptor for reading `real`, or -1 once the refusal went out. */
const openOrRefuse = async (env: Env, res: Responder, real: string): Promise<number> => {
  try {
    return await openForReading(real);
  } catch (err) {
    sendStatus(env, res, refusalFor(err));
    return -1;
  }
};
