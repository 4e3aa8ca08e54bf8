// "Did you mean ...?": the known word closest to a mistyped one, when it is close enough to be
// what was meant. Used for config keys and values; pure.

/**
 * Optimal string alignment distance: inserting, deleting or replacing a character, or swapping
 * two neighbouring ones, each cost 1 (so `regoin` is one step from `region`, not two).
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the one before the previous is needed for swaps.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known word nearest to `word`, ignoring case, or undefined when none is within a third of
 * its length (at least 1, at most 3 edits): beyond that a suggestion is more noise than help.
 * On a tie the earlier known word wins.
 */
export function nearest(word: string, known: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(w, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
