// "Did you mean …?" for unknown flags, config keys, target kinds, values and
// adapter options (it lives with the adapters, which cannot import the gateway).
// The candidate closest to what was typed wins, by optimal string alignment
// distance (Levenshtein plus the swap of two neighbours, so "prot" is one edit
// from "port"), compared without case. A candidate is offered only when it is
// near enough to be a typo: at most a third of the typed length in edits (at
// least one), or when the typed text is a prefix of it ("--work" → "--workers").

/** Edits between `a` and `b`: insertions, deletions, substitutions and adjacent swaps. */
export const editDistance = (a: string, b: string): number => {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
};

/** The candidate `typed` most likely meant, or undefined when none is close. */
export const closest = (typed: string, candidates: Iterable<string>): string | undefined => {
  const t = typed.toLowerCase();
  const limit = Math.max(1, Math.floor(t.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (lc === t) return c;
    // A prefix ("work" of "workers") beats any candidate that needs edits.
    const d = t.length >= 3 && lc.startsWith(t) ? 0.5 : editDistance(t, lc);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
};

/** ', did you mean "x"?' (quoted as `quote` does), or '' when nothing is close. */
export const didYouMean = (typed: string, candidates: Iterable<string>, quote: (s: string) => string = (s) => JSON.stringify(s)): string => {
  const c = closest(typed, candidates);
  return c === undefined ? '' : `, did you mean ${quote(c)}?`;
};
