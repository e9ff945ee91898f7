// The directory listing, when a mount enables it (`npx serve`, nginx autoindex):
// the entries are read once, then rendered as HTML for browsers or as JSON for a
// client whose Accept prefers application/json. Directories come first, then
// files, each group in code-point order of the name, so the order is the same on
// every machine. In HTML every name is escaped for the text and percent-encoded
// for the link, so a file called `<script>` or `a&b?.txt` shows and links as
// itself and never as markup. Dotfiles are left out unless the mount allows them,
// like the files themselves. Each entry costs one stat (size, date, and what a
// symlink points at), run side by side on the thread pool.

import fsp from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { stat } from './fs-calls.js';

export interface ListingEntry {
  name: string;
  directory: boolean;
  /** Bytes, for files; null for directories and entries that cannot be read. */
  size: number | null;
  /** Modification time in ms since the epoch; null when it cannot be read. */
  modified: number | null;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const byName = (a: ListingEntry, b: ListingEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The entries of `realDir` a client may see, directories first. */
export const readListing = async (realDir: string, allowDotfiles: boolean): Promise<ListingEntry[]> => {
  const names = (await fsp.readdir(realDir)).filter((name) => allowDotfiles || !name.startsWith('.'));
  // stat follows symlinks: a linked directory is listed as a directory (its link ends in "/", no redirect).
  const stats = await Promise.all(names.map((name) => stat(realDir + '/' + name).catch((): Stats | null => null)));
  const entries = names.map((name, i): ListingEntry => {
    const s = stats[i] ?? null;
    const directory = s?.isDirectory() ?? false;
    return { name, directory, size: s === null || directory ? null : s.size, modified: s === null ? null : s.mtimeMs };
  });
  return [...entries.filter((e) => e.directory).sort(byName), ...entries.filter((e) => !e.directory).sort(byName)];
};

const hrefOf = (urlPath: string, entry: ListingEntry): string => urlPath + encodeURIComponent(entry.name) + (entry.directory ? '/' : '');

/** `urlPath` is the directory's path as the client sees it (percent-encoded, ending in "/"); `displayPath` is decoded. */
export const listingHtml = (entries: readonly ListingEntry[], urlPath: string, displayPath: string): string => {
  const title = escapeHtml(`Index of ${displayPath}`);
  let html =
    `<!doctype html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${title}</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:0 1em 0 0}` +
    `td.size{text-align:right;font-variant-numeric:tabular-nums}</style></head>\n<body>\n<h1>${title}</h1>\n<table>\n`;
  if (displayPath !== '/') html += '<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n';
  for (const entry of entries) {
    const name = entry.name + (entry.directory ? '/' : '');
    const size = entry.size === null ? '' : String(entry.size);
    const date = entry.modified === null ? '' : new Date(entry.modified).toISOString().slice(0, 16).replace('T', ' ');
    html += `<tr><td><a href="${escapeHtml(hrefOf(urlPath, entry))}">${escapeHtml(name)}</a></td><td class="size">${size}</td><td>${date}</td></tr>\n`;
  }
  return html + '</table>\n</body></html>\n';
};

/** The same listing for programs: { path, entries: [{ name, type, href, size, modified }] }. */
export const listingJson = (entries: readonly ListingEntry[], urlPath: string, displayPath: string): string =>
  JSON.stringify({
    path: displayPath,
    entries: entries.map((e) => ({
      name: e.name,
      type: e.directory ? 'directory' : 'file',
      href: hrefOf(urlPath, e),
      size: e.size,
      modified: e.modified === null ? null : new Date(e.modified).toISOString(),
    })),
  }) + '\n';
