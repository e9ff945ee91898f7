// Which precompressed sibling a client can take (RFC 9110 §12.5.3). The
// Accept-Encoding field lists codings with optional weights; "*" stands for any
// coding not listed; q=0 means "not acceptable". We only ever offer br and gzip
// (files "x.br", "x.gz" beside "x"), preferring the higher weight and, on a tie,
// br (smaller). Identity is always available, so a client that accepts neither
// simply gets the file itself.

export type Coding = 'br' | 'gzip';

export interface Sibling {
  coding: Coding;
  suffix: '.br' | '.gz';
}

const BR: Sibling = { coding: 'br', suffix: '.br' };
const GZIP: Sibling = { coding: 'gzip', suffix: '.gz' };
const BOTH: readonly Sibling[] = [BR, GZIP];
const BR_ONLY: readonly Sibling[] = [BR];
const GZIP_ONLY: readonly Sibling[] = [GZIP];
const GZIP_FIRST: readonly Sibling[] = [GZIP, BR];
const NONE: readonly Sibling[] = [];

/** The siblings to look for, best first. */
export const acceptableSiblings = (field: string | undefined): readonly Sibling[] => {
  if (field === undefined || field === '') return NONE;
  let br = -1;
  let gzip = -1;
  let any = -1;
  for (const item of field.split(',')) {
    const semi = item.indexOf(';');
    const coding = (semi === -1 ? item : item.slice(0, semi)).trim().toLowerCase();
    const q = semi === -1 ? 1 : weight(item.slice(semi + 1));
    if (coding === 'br') br = q;
    else if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip, q);
    else if (coding === '*') any = q;
  }
  if (br === -1) br = any;
  if (gzip === -1) gzip = any;
  if (br > 0 && gzip > 0) return br >= gzip ? BOTH : GZIP_FIRST;
  if (br > 0) return BR_ONLY;
  if (gzip > 0) return GZIP_ONLY;
  return NONE;
};

/** The q parameter of a list member's parameters (RFC 9110 §12.4.2); 1 when absent, 0 when malformed. */
const weight = (params: string): number => {
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const value = param.slice(eq + 1).trim();
    if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)) return 0;
    return Number(value);
  }
  return 1;
};
