// Content negotiation for compression: which coding a response gets (RFC 9110
// §12.5.3, Accept-Encoding) and whether its type is worth compressing at all.
// Both run once per response, so they avoid regular expressions and
// allocations on the common short headers.

export type Coding = 'br' | 'gzip';

/**
 * The coding to use: the one with the highest q-value among `preferred`, ties
 * going to the earlier in `preferred`; null when none is acceptable. A coding
 * not listed takes the q of "*" if present, else is not acceptable.
 */
export const negotiateEncoding = (acceptEncoding: string, preferred: readonly Coding[]): Coding | null => {
  let best: Coding | null = null;
  let bestQ = 0;
  const weights = parseAcceptEncoding(acceptEncoding);
  const star = weights.get('*');
  for (const coding of preferred) {
    const q = weights.get(coding) ?? star ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
};

const parseAcceptEncoding = (value: string): Map<string, number> => {
  const weights = new Map<string, number>();
  for (const item of value.split(',')) {
    const semi = item.indexOf(';');
    const name = (semi === -1 ? item : item.slice(0, semi)).trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    if (semi !== -1) {
      const m = /(?:^|;)\s*q\s*=\s*([0-9.]+)/i.exec(item.slice(semi));
      if (m) q = Number(m[1]);
      if (Number.isNaN(q)) q = 0;
    }
    weights.set(name, q);
  }
  return weights;
};

// Types that compress well: text, and the structured text formats served as
// application/* (JSON, JavaScript, XML and their +json/+xml families, SVG).
const COMPRESSIBLE_APPLICATION = new Set([
  'application/json',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/ld+json',
  'application/manifest+json',
  'application/x-ndjson',
  'application/wasm',
  'application/graphql',
  'application/x-www-form-urlencoded',
  'image/svg+xml',
  'image/x-icon',
  'image/bmp',
  'font/ttf',
  'font/otf',
]);

export const isCompressibleType = (contentType: string): boolean => {
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type.startsWith('text/')) return true;
  if (type.endsWith('+json') || type.endsWith('+xml')) return true;
  return COMPRESSIBLE_APPLICATION.has(type);
};
