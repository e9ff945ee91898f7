// Keeps an app's redirects inside its mount when the prefix was stripped. The
// app believes it lives at "/", so `c.redirect('/login')` (a Location of
// "/login", RFC 9110 §10.2.2: a URI reference resolved against the request's
// URL) would send the client out of the mount. The prefix is put back in front
// of a Location that is an absolute path ("/x", not "//host/x") or an absolute
// URL of the request's own origin (Response.redirect(new URL('/x', request.url))),
// as nginx's proxy_redirect does for the URLs it proxies. A Location already
// below the prefix is left alone: that app built it from X-Forwarded-Prefix.
// Relative references ("x", "../x") resolve against the client's URL, which
// has the prefix, so they are right as they are; other origins are not ours.

type Fields = ReadonlyArray<readonly [string, string]>;

const belowPrefix = (path: string, prefix: string): boolean => {
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */ || next === 0x23 /* # */;
};

/** The Location the client should get, for a stripped `prefix` and the URL the app saw. */
export const prefixedLocation = (location: string, prefix: string, appUrl: string): string => {
  if (location.charCodeAt(0) === 0x2f /* / */) {
    if (location.charCodeAt(1) === 0x2f || location.charCodeAt(1) === 0x5c /* \ */) return location; // network-path reference
    return belowPrefix(location, prefix) ? location : prefix + location;
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location; // a relative reference: right as it is
  }
  const origin = new URL(appUrl).origin;
  if (url.origin !== origin || belowPrefix(url.pathname, prefix)) return location;
  return origin + prefix + url.pathname + url.search + url.hash;
};

/** `fields` with Location put below `prefix` (the same array when there is nothing to change). */
export const prefixLocationField = (fields: Fields, prefix: string, appUrl: string): Fields => {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field[0] !== 'location') continue;
    const location = prefixedLocation(field[1], prefix, appUrl);
    if (location === field[1]) return fields;
    const copy = fields.slice();
    copy[i] = ['location', location];
    return copy;
  }
  return fields;
};
