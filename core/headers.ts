// Request header storage. Fields are kept twice, as node:http does: `rawHeaders`
// in arrival order and case ([name, value, name, value, ...]) for apps that care,
// and `headers`, lower-cased names mapped to one string, for everyone else.
// Repeated fields are combined as RFC 9110 §5.3 allows: with ", ", except Cookie,
// whose lines are joined with "; " (RFC 6265 §5.4).

export type HeaderMap = Record<string, string>;

/**
 * Maps inherit nothing (a field named "constructor" or "__proto__" is a field), yet
 * keep V8's fast properties: an Object.create(null) object starts in dictionary
 * mode, where every store and lookup hashes its key. The prototype here is itself
 * a null-prototype object, as node's querystring does for its parsed results.
 */
function HeaderRecord(): void {}
HeaderRecord.prototype = Object.create(null);

export const newHeaderMap = (): HeaderMap => new (HeaderRecord as unknown as new () => HeaderMap)();

export const addHeader = (map: HeaderMap, lowerName: string, value: string): void => {
  const prev = map[lowerName];
  if (prev === undefined) map[lowerName] = value;
  else map[lowerName] = prev + (lowerName === 'cookie' ? '; ' : ', ') + value;
};
