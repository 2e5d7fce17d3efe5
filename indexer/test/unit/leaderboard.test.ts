import assert from "node:assert/strict";
import { it } from "node:test";
import { enter, leave, rankChanges } from "../../lib/leaderboard.ts";

const ids = (...n: number[]) => n.map(BigInt);

it("a model entering shifts those below it and drops the eleventh", () => {
  const full = ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
  const after = enter(full, 11n, 2);
  assert.deepEqual(after, ids(1, 2, 11, 3, 4, 5, 6, 7, 8, 9));
  const changes = rankChanges(full, after);
  assert.deepEqual(
    changes.find((c) => c.modelId === 10n),
    { modelId: 10n, before: 9, after: null },
  );
  assert.deepEqual(
    changes.find((c) => c.modelId === 11n),
    { modelId: 11n, before: null, after: 2 },
  );
  assert.deepEqual(
    changes.find((c) => c.modelId === 3n),
    { modelId: 3n, before: 2, after: 3 },
  );
  assert.equal(changes.length, 9);
});

it("an unranked model (255) leaves the top ten as it was", () => {
  assert.deepEqual(enter(ids(1, 2), 3n, 255), ids(1, 2));
});

it("a revoked model leaves a gap that those below close", () => {
  const after = leave(ids(1, 2, 3), 2n);
  assert.deepEqual(after, ids(1, 3));
  assert.deepEqual(rankChanges(ids(1, 2, 3), after), [
    { modelId: 2n, before: 1, after: null },
    { modelId: 3n, before: 2, after: 1 },
  ]);
});
