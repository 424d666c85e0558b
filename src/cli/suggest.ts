/**
 * "Did you mean": the words close to a typo, by edit distance, as git (help.c) and gh (cobra's
 * SuggestionsMinimumDistance) choose them, so that `qci pul` suggests pull and `qci ls` suggests nothing.
 */

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) =>
      i === 0 ? j : j === 0 ? i : 0,
    ),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The words of `known` at most two edits from `typed`, and fewer edits than half its length (two
 * letters changed in a three-letter word leave nothing of it), closest first; then, as cobra does,
 * those it begins (three letters at least).
 */
export function closeMatches(
  typed: string,
  known: readonly string[],
): string[] {
  const word = typed.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(word, k) }))
    .filter(
      ({ k, d }) =>
        (d <= 2 && d < word.length / 2) ||
        (word.length >= 3 && k.startsWith(word)),
    )
    .sort((x, y) => x.d - y.d)
    .map(({ k }) => k);
}
