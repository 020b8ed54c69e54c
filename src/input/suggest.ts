/** "did you mean 'x'?" for a misspelt name, or '' when nothing is close enough. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const best = closest(input, candidates);
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/** Past this length a name is not a misspelling of anything (and the distance would cost its square). */
const LONGEST_MISSPELLING = 100;

export function closest(input: string, candidateList: Iterable<string>): string | undefined {
  if (input.length > LONGEST_MISSPELLING) return undefined;
  const candidates = [...candidateList].filter((candidate) => candidate.length <= LONGEST_MISSPELLING);
  const needle = input.toLowerCase();
  const near = nearest(needle, candidates);
  if (near !== undefined) return near;
  // A near misspelling, or one is the other with something added (wsgi_script for wsgi).
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (Math.min(lower.length, needle.length) >= 3 && (needle.startsWith(lower) || lower.startsWith(needle))) return candidate;
  }
  return undefined;
}

/**
 * The candidate a misspelling of `input` would be: by default at most a third of the word differs
 * (and at least one edit is allowed). Stricter than closest(): no "one is the other with something added".
 */
export function nearest(input: string, candidates: Iterable<string>, allowedEdits = (length: number) => Math.max(1, Math.floor(length / 3))): string | undefined {
  if (input.length > LONGEST_MISSPELLING) return undefined;
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.length > LONGEST_MISSPELLING) continue;
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= allowedEdits(best.length) ? best : undefined;
}

// Optimal string alignment distance: a swap of two neighbouring letters counts as one edit.
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
