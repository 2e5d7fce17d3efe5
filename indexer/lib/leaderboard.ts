/** How many models the registry ranks. */
export const TOP_TEN = 10;
/** The `rank` a ModelPublished event carries when the model did not enter the top ten. */
export const UNRANKED = 255;

export type RankChange = { modelId: bigint; before: number | null; after: number | null };

/** The top ten after `modelId` entered at `rank` (0 = best): those below shift down, #11 drops. */
export function enter(ids: readonly bigint[], modelId: bigint, rank: number): bigint[] {
  if (rank >= TOP_TEN) return [...ids];
  const next = [...ids.filter((id) => id !== modelId)];
  next.splice(Math.min(rank, next.length), 0, modelId);
  return next.slice(0, TOP_TEN);
}

/** The top ten without `modelId` (revoked or evicted): those below move up. */
export function leave(ids: readonly bigint[], modelId: bigint): bigint[] {
  return ids.filter((id) => id !== modelId);
}

/** Every model whose place differs between two versions of the top ten. */
export function rankChanges(before: readonly bigint[], after: readonly bigint[]): RankChange[] {
  const changes: RankChange[] = [];
  const seen = new Set<bigint>([...before, ...after]);
  for (const modelId of seen) {
    const b = before.indexOf(modelId);
    const a = after.indexOf(modelId);
    if (a !== b) changes.push({ modelId, before: b < 0 ? null : b, after: a < 0 ? null : a });
  }
  return changes;
}
