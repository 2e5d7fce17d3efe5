import { error } from "@sveltejs/kit";
import { publicClientFor } from "#lib/chain/client.ts";
import { readMeasurements } from "#lib/chain/evaluations.ts";
import { type Institution, readInstitution, readModel } from "#lib/chain/registry.ts";
import { auditGet, type ModelSummary, type ModelsPage } from "#lib/indexer.ts";
import { fetchCard } from "#lib/models/card-source.ts";
import { auditTaskQuery, selectTask, type TaskView, UnknownTaskError } from "#lib/tasks.ts";

/** The task named by `?task=` (model ids restart at 1 in every task's registry); 404 otherwise. */
function taskOf(config: Parameters<typeof selectTask>[0], requested: string | null): TaskView {
  let view: TaskView | null;
  try {
    view = selectTask(config, requested);
  } catch (cause) {
    if (cause instanceof UnknownTaskError) error(404, cause.message);
    throw cause;
  }
  if (!view) error(404, "No registry is deployed on this chain.");
  return view;
}

export const load = async ({ params, parent, fetch, depends, url }) => {
  depends("chain:model");
  const { config: appConfig } = await parent();
  const view = taskOf(appConfig, url.searchParams.get("task"));
  // Every read below (model, card, measurements, download) goes to the task's own registry.
  const { config, contracts } = view;
  const task = view.task.task;
  const client = publicClientFor(config);
  const id = BigInt(params.id);
  const model = await readModel(client, contracts, id).catch(() => null);
  if (!model)
    error(
      404,
      `Model #${id} of task ${task} is not kept by its registry (never published, evicted or revoked).`,
    );
  const institutionAndCard = readInstitution(client, contracts, model.institutionId).then(
    async (institution) => ({
      institution,
      // The card travels in the keyring; a model whose keyring has none shows without it.
      card: await fetchCard(config, model, institution?.account ?? null).catch((err) => {
        console.warn(`model #${id}: no usable card in its keyring:`, err);
        return null;
      }),
    }),
  );
  const measurementsAndNames = readMeasurements(
    client,
    contracts,
    id,
    model.metrics.f1,
    BigInt(config.deployBlock),
  ).then(async (measurements) => {
    const names = new Map<bigint, Institution>();
    await Promise.all(
      measurements.evaluations.map(async (e) => {
        const i = await readInstitution(client, contracts, e.institutionId);
        if (i) names.set(e.institutionId, i);
      }),
    );
    return { measurements, evaluators: names };
  });
  const taskQuery = auditTaskQuery(task, config.tasks);
  const [{ institution, card }, { measurements, evaluators }, summary, indexed] = await Promise.all(
    [
      institutionAndCard,
      measurementsAndNames,
      auditGet<ModelSummary>(fetch, config, `/models/${id}/summary`, taskQuery).catch(() => null),
      auditGet<ModelsPage>(fetch, config, "/models", { pageSize: "1000", ...taskQuery }).catch(
        () => null,
      ),
    ],
  );
  const children = (indexed?.rows ?? []).filter((m) => m.parentId === String(id)).map((m) => m.id);
  const status = (indexed?.rows ?? []).find((m) => m.id === String(id))?.status ?? "active";
  return {
    model,
    institution,
    card,
    summary,
    children,
    status,
    measurements,
    evaluators,
    task,
    taskConfig: config,
  };
};
