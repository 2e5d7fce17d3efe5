import { getScore } from "@neuroledger/chain/actions/getScore";
import { error } from "@sveltejs/kit";
import { publicClientFor } from "#lib/chain/client.ts";
import { readMeasurements } from "#lib/chain/evaluations.ts";
import { readOverview } from "#lib/chain/registry.ts";
import { selectTask, type TaskView, UnknownTaskError } from "#lib/tasks.ts";

export const load = async ({ parent, depends, url }) => {
  depends("chain:overview");
  const { config } = await parent();
  let view: TaskView | null;
  try {
    view = selectTask(config, url.searchParams.get("task"));
  } catch (cause) {
    if (cause instanceof UnknownTaskError) error(404, cause.message);
    throw cause;
  }
  if (!view) return { overview: null, task: null };
  const client = publicClientFor(config);
  const { contracts } = view;
  // The chosen task's registry: its latest model and top ten (ids restart at 1 in every task).
  const overview = await readOverview(client, contracts);
  // Members' measurements of the latest model, and each top-ten model's score (verified or not).
  const [latestMeasurements, scores] = await Promise.all([
    overview.latest
      ? readMeasurements(
          client,
          contracts,
          overview.latest.id,
          overview.latest.metrics.f1,
          BigInt(config.deployBlock),
        ).catch(() => null)
      : null,
    Promise.all(
      overview.topTen.map(
        async (m) =>
          [m.id, await getScore(client, { registry: contracts.registry, modelId: m.id })] as const,
      ),
    ),
  ]);
  return { overview, task: view.task.task, latestMeasurements, scores: new Map(scores) };
};
