import { sameHash } from "../models/sha256.ts";

/** What the choice needs of a cached model: its sha256 and its card's task. */
export type CachedChoice = { sha256: string; card: { task: string } };

/**
 * The cached models the classify page starts with, at most one per task (`tasks`; `[null]`:
 * no tasks known, any model): the one the URL names (`?model=`) for its task, else the task's
 * latest model on chain when this browser has it, else the task's most recently cached model
 * (`models` come newest first). Tasks with no cached model get none.
 */
export function initialModels(
  models: readonly CachedChoice[],
  tasks: readonly (string | null)[],
  wanted: { requested: string | null; latest: Readonly<Record<string, string | null>> },
): string[] {
  const chosen: string[] = [];
  for (const task of tasks) {
    const candidates = models.filter((m) => task === null || m.card.task === task);
    const named = (sha: string | null | undefined) =>
      sha ? candidates.find((m) => sameHash(m.sha256, sha)) : undefined;
    const pick =
      named(wanted.requested) ?? named(task === null ? null : wanted.latest[task]) ?? candidates[0];
    if (pick && !chosen.includes(pick.sha256)) chosen.push(pick.sha256);
  }
  return chosen;
}
