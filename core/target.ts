// Request-target forms (RFC 9112 §3.2) and the Host authority (§3.2, RFC 3986
// §3.2.2). The four forms are told apart by their first bytes; each is allowed
// only with the methods RFC 9112 gives it. An authority is host [":" port] with
// no userinfo, path or list: anything else in Host is a 400 (§3.2 MUST).

import { badRequest } from './errors.js';

export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

export interface ParsedTarget {
  form: TargetForm;
  /** Authority named by an absolute- or authority-form target, else ''. */
  authority: string;
  /** For absolute-form: 'http' or 'https'; else ''. */
  scheme: string;
  /** The origin-form part ("/path?query") of an absolute-form target, else the target itself. */
  originForm: string;
}

const REG_NAME_CHAR = (() => {
  const t = new Uint8Array(128);
  // unreserved / pct-encoded / sub-delims, minus "," (never seen in a real host,
  // and the sign of a list of Host values joined by an intermediary).
  for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+;=") {
    t[c.charCodeAt(0)] = 1;
  }
  return t;
})();

const IP_LITERAL_CHAR = (() => {
  const t = new Uint8Array(128);
  for (const c of '0123456789abcdefABCDEF:.vV') t[c.charCodeAt(0)] = 1;
  return t;
})();

/** True for host [":" port] per RFC 3986 §3.2.2-3, non-empty, without userinfo. */
export const isValidAuthority = (s: string): boolean => {
  const n = s.length;
  if (n === 0) return false;
  let i = 0;
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    i = 1;
    while (i < n && s.charCodeAt(i) !== 0x5d /* ] */) {
      const c = s.charCodeAt(i);
      if (c >= 128 || IP_LITERAL_CHAR[c] === 0) return false;
      i++;
    }
    if (i === n || i === 1) return false;
    i++;
  } else {
    while (i < n && s.charCodeAt(i) !== 0x3a /* : */) {
      const c = s.charCodeAt(i);
      if (c >= 128 || REG_NAME_CHAR[c] === 0) return false;
      i++;
    }
    if (i === 0) return false;
  }
  if (i === n) return true;
  if (s.charCodeAt(i) !== 0x3a) return false;
  const port = n - i - 1;
  // port = *DIGIT (RFC 3986 §3.2.3): "host:" is valid and means the default port.
  if (port > 5) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
};

const ORIGIN: ParsedTarget = { form: 'origin', authority: '', scheme: '', originForm: '' };

/** Classifies `target` for `method`; throws HttpError 400 for a form the method may not use. */
export const parseTarget = (method: string, target: string): ParsedTarget => {
  const c0 = target.charCodeAt(0);
  if (c0 === 0x2f /* / */) {
    if (method === 'CONNECT') throw badRequest('ERR_BAD_TARGET', 'CONNECT needs an authority-form target');
    return ORIGIN;
  }
  if (target === '*') {
    if (method !== 'OPTIONS') throw badRequest('ERR_BAD_TARGET', 'Asterisk-form is only for OPTIONS');
    return { form: 'asterisk', authority: '', scheme: '', originForm: '*' };
  }
  if (method === 'CONNECT') {
    if (!isValidAuthority(target) || !/:\d+$/.test(target)) {
      throw badRequest('ERR_BAD_TARGET', 'CONNECT target must be host:port');
    }
    return { form: 'authority', authority: target, scheme: '', originForm: '' };
  }
  const lower = target.slice(0, 8).toLowerCase();
  const schemeLength = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : 0;
  if (schemeLength === 0) throw badRequest('ERR_BAD_TARGET', 'Request target is not origin-form or an http(s) URI');
  let end = schemeLength;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 0x2f || c === 0x3f) break;
    end++;
  }
  const authority = target.slice(schemeLength, end);
  if (!isValidAuthority(authority)) throw badRequest('ERR_BAD_TARGET', 'Invalid authority in absolute-form target');
  let rest = target.slice(end);
  if (rest === '' || rest.charCodeAt(0) === 0x3f) rest = '/' + rest;
  return { form: 'absolute', authority, scheme: schemeLength === 7 ? 'http' : 'https', originForm: rest };
};
