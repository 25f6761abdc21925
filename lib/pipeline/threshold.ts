/**
 * Below this many entities of a blueprint, the share to delete is not judged: 1 of 1 pull
 * requests merged is 100% and perfectly normal. A source that suddenly returns nothing is
 * caught on every blueprint of any size above it.
 */
export const THRESHOLD_FLOOR = 10;

/**
 * Why a blueprint's deletions are held back, or undefined when they may go: `count` of its
 * `owned` entities would be deleted, and that share exceeds `threshold` (from 0 to 1).
 *
 * @example
 * judgeShare("githubRepository", 812, 900, 0.9); // "deletion blocked: 812 of 900 githubRepository …"
 */
export function judgeShare(
  blueprint: string,
  count: number,
  owned: number,
  threshold: number,
): string | undefined {
  if (owned < THRESHOLD_FLOOR || owned === 0) return undefined;
  const share = count / owned;
  if (share <= threshold) return undefined;
  return (
    `deletion blocked: ${count} of ${owned} ${blueprint} entities (${percent(share)}) would be deleted, ` +
    `above entityDeletionThreshold ${percent(threshold)}; nothing deleted in ${blueprint}`
  );
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
