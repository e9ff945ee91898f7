// The MIME type table: file extension → Content-Type (RFC 9110 §8.3). A short
// built-in table covers what web servers are asked for in practice (nginx's
// mime.types, trimmed); textual types carry `charset=utf-8` so browsers do not
// guess. Users extend or override it per mount; the lookup is one Map.get on
// the lower-cased extension, and anything unknown is application/octet-stream
// (RFC 9110 §8.3: a recipient may sniff, so we never claim text we do not know).

const UTF8 = '; charset=utf-8';

export const DEFAULT_MIME_TYPE = 'application/octet-stream';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  // text and documents
  html: 'text/html' + UTF8,
  htm: 'text/html' + UTF8,
  xhtml: 'application/xhtml+xml' + UTF8,
  css: 'text/css' + UTF8,
  js: 'text/javascript' + UTF8, // RFC 9239 §6
  mjs: 'text/javascript' + UTF8,
  cjs: 'text/javascript' + UTF8,
  json: 'application/json' + UTF8,
  jsonld: 'application/ld+json' + UTF8,
  map: 'application/json' + UTF8,
  webmanifest: 'application/manifest+json' + UTF8,
  txt: 'text/plain' + UTF8,
  text: 'text/plain' + UTF8,
  log: 'text/plain' + UTF8,
  md: 'text/markdown' + UTF8,
  markdown: 'text/markdown' + UTF8,
  csv: 'text/csv' + UTF8,
  tsv: 'text/tab-separated-values' + UTF8,
  xml: 'application/xml' + UTF8,
  rss: 'application/rss+xml' + UTF8,
  atom: 'application/atom+xml' + UTF8,
  yaml: 'application/yaml' + UTF8,
  yml: 'application/yaml' + UTF8,
  toml: 'application/toml' + UTF8,
  ics: 'text/calendar' + UTF8,
  vtt: 'text/vtt' + UTF8,
  sh: 'text/plain' + UTF8, // shown, never run: CGI lives on its own mount
  pdf: 'application/pdf',
  rtf: 'application/rtf',
  epub: 'application/epub+zip',
  // images
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml' + UTF8,
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  // fonts
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  eot: 'application/vnd.ms-fontobject',
  // audio and video
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  mov: 'video/quicktime',
  // archives and binaries
  wasm: 'application/wasm',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  br: 'application/octet-stream',
  tar: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  bin: 'application/octet-stream',
};

/** Looks a Content-Type up by the extension of the last path segment. */
export class MimeTable {
  private readonly types: Map<string, string>;

  constructor(extra: Readonly<Record<string, string>> = {}) {
    this.types = new Map(Object.entries(MIME_TYPES));
    for (const ext in extra) this.types.set(normalizeExtension(ext), extra[ext]!);
  }

  /** The Content-Type for `path` ("/a/b.tar.gz" → the type of "gz"). */
  lookup(path: string): string {
    const slash = path.lastIndexOf('/');
    const dot = path.lastIndexOf('.');
    // A leading dot names a dotfile (".bashrc"), not an extension.
    if (dot <= slash + 1) return DEFAULT_MIME_TYPE;
    const ext = path.slice(dot + 1);
    return this.types.get(ext) ?? this.types.get(ext.toLowerCase()) ?? DEFAULT_MIME_TYPE;
  }
}

/** ".JS" and "js" name the same extension. */
export const normalizeExtension = (ext: string): string => (ext.startsWith('.') ? ext.slice(1) : ext).toLowerCase();
