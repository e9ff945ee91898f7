// Byte ranges (RFC 9110 §14). parseRange turns a Range field into the ranges
// to send, inclusive offsets into a representation of `size` bytes:
//   - null: ignore the field and send everything (not "bytes", bad syntax, an
//     empty representation, or so many ranges that it looks like abuse, §14.2);
//   - UNSATISFIABLE: no range overlaps the representation (416, §15.5.17);
//   - otherwise one range (206) or several (206 multipart/byteranges).
// Ranges that overlap or touch are coalesced, sorted (§14.2 allows it), so a
// request can never make us send more bytes than the file has; disjoint ranges
// keep the order the client asked for. ifRangeAllows implements If-Range
// (§13.1.5): a strong ETag that matches, or the exact Last-Modified date of a
// representation modified at least a second before now.

import { parseHttpDate } from './http-date.js';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export const UNSATISFIABLE = 'unsatisfiable';

/** More ranges than this is not a real client (§14.2: "MAY ignore or reject"). */
export const MAX_RANGES = 100;

const BYTES_UNIT = /^bytes=/i;
const RANGE_SPEC = /^(\d*)-(\d*)$/;

export const parseRange = (field: string, size: number): ByteRange[] | typeof UNSATISFIABLE | null => {
  if (size === 0 || !BYTES_UNIT.test(field)) return null;
  const specs = field.slice(6).split(',');
  if (specs.length > MAX_RANGES) return null;
  const ranges: ByteRange[] = [];
  let valid = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue; // #rule: empty list elements are ignored (RFC 9110 §5.6.1.2)
    const m = RANGE_SPEC.exec(spec);
    if (m === null) return null;
    const first = m[1]!;
    const last = m[2]!;
    valid++;
    if (first === '') {
      // suffix-range: the last N bytes.
      if (last === '') return null;
      const suffix = Number(last);
      if (suffix > 0) ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(first);
    if (last !== '') {
      const end = Number(last);
      if (end < start) return null; // §14.1.1: an invalid range-spec invalidates the set
      if (start < size) ranges.push({ start, end: Math.min(end, size - 1) });
    } else if (start < size) {
      ranges.push({ start, end: size - 1 });
    }
  }
  if (valid === 0) return null;
  if (ranges.length === 0) return UNSATISFIABLE;
  return ranges.length === 1 ? ranges : coalesce(ranges);
};

/** The ranges unchanged if none overlap or touch; else merged and sorted. */
const coalesce = (ranges: ByteRange[]): ByteRange[] => {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let overlapping = false;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start <= sorted[i - 1]!.end + 1) {
      overlapping = true;
      break;
    }
  }
  if (!overlapping) return ranges;
  const merged: ByteRange[] = [{ ...sorted[0]! }];
  for (let i = 1; i < sorted.length; i++) {
    const range = sorted[i]!;
    const lastRange = merged[merged.length - 1]!;
    if (range.start <= lastRange.end + 1) lastRange.end = Math.max(lastRange.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
};

/** RFC 9110 §13.1.5: whether the Range may be honoured given If-Range (absent: yes). */
export const ifRangeAllows = (field: string | undefined, etag: string | null, mtimeMs: number): boolean => {
  if (field === undefined) return true;
  const value = field.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    // Strong comparison: a weak tag never matches.
    return etag !== null && value === etag;
  }
  const date = parseHttpDate(value);
  if (date !== date) return false;
  // A date is a strong validator only if the file was last modified at least a second before now.
  return date === Math.floor(mtimeMs / 1000) && mtimeMs <= Date.now() - 1000;
};
