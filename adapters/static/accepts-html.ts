// Whether a request would render an HTML page: the test behind the single-page
// app fallback. Browsers navigating to a URL list text/html in Accept; scripts,
// images and stylesheets do not (fetch() sends "*/*", <img> "image/*"), so a
// missing /app.js asked by a <script> stays a 404 instead of getting HTML that
// the browser would try to run. Only an explicit text/html or
// application/xhtml+xml with a non-zero q counts (RFC 9110 §12.5.1), as
// connect-history-api-fallback and `serve -s` behave for real browsers.

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

export const acceptsHtml = (accept: string | undefined): boolean => {
  if (accept === undefined || accept.length > 4096) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    if (!HTML_TYPES.has(type!.trim().toLowerCase())) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
};
