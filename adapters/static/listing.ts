// The directory listing, when a mount enables it: a plain HTML page of links,
// directories first, each name HTML-escaped for the text and percent-encoded for
// the link, so a file called `<script>` or `a&b?.txt` shows and links as itself.
// Dotfiles are left out unless the mount allows them, like the files themselves.
// Only symlinks cost a stat each (to list a linked directory as a directory).

import fsp from 'node:fs/promises';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** `urlPath` is the directory's path as the client sees it (already percent-encoded, ending in "/"). */
export const renderListing = async (realDir: string, urlPath: string, displayPath: string, allowDotfiles: boolean): Promise<string> => {
  const entries = await fsp.readdir(realDir, { withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  const links: string[] = [];
  for (const entry of entries) {
    if (!allowDotfiles && entry.name.startsWith('.')) continue;
    if (entry.isSymbolicLink()) links.push(entry.name);
    else (entry.isDirectory() ? dirs : files).push(entry.name);
  }
  // A symlink is listed as what it points at, so a linked directory gets its slash (no redirect).
  const targets = await Promise.all(links.map((name) => fsp.stat(realDir + '/' + name).catch(() => null)));
  links.forEach((name, i) => (targets[i]?.isDirectory() ? dirs : files).push(name));
  dirs.sort();
  files.sort();
  const title = escapeHtml(`Index of ${displayPath}`);
  let html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n`;
  if (displayPath !== '/') html += '<li><a href="../">../</a></li>\n';
  for (const name of dirs) html += item(urlPath, name + '/', encodeURIComponent(name) + '/');
  for (const name of files) html += item(urlPath, name, encodeURIComponent(name));
  return html + '</ul>\n</body></html>\n';
};

const item = (urlPath: string, name: string, href: string): string =>
  `<li><a href="${escapeHtml(urlPath + href)}">${escapeHtml(name)}</a></li>\n`;
