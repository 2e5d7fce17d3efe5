import { error } from "@sveltejs/kit";
import { publicClientFor } from "#lib/chain/client.ts";
import { readMeasurements } from "#lib/chain/evaluations.ts";
import { type Institution, readInstitution, readModel } from "#lib/chain/registry.ts";
import { auditGet, type ModelSummary, type ModelsPage } from "#lib/indexer.ts";
import { fetchCard } from "#lib/models/card-source.ts";

export const load = async ({ params, parent, fetch, depends }) => {
  depends("chain:model");
  const { config } = await parent();
  if (!config.contracts) error(404, "No registry is deployed on this chain.");
  const client = publicClientFor(config);
  const id = BigInt(params.id);
  const model = await readModel(client, config.contracts, id).catch(() => null);
  if (!model)
    error(404, `Model #${id} is not kept by the registry (never published, evicted or revoked).`);
  const institutionAndCard = readInstitution(client, config.contracts, model.institutionId).then(
    async (institution) => ({
      institution,
      // The card travels in the keyring; a model whose keyring has none shows without it.
      card: await fetchCard(config, model, institution?.account ?? null).catch((err) => {
        console.warn(`model #${id}: no usable card in its keyring:`, err);
        return null;
      }),
    }),
  );
  const contracts = config.contracts;
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
  const [{ institution, card }, { measurements, evaluators }, summary, indexed] = await Promise.all(
    [
      institutionAndCard,
      measurementsAndNames,
      auditGet<ModelSummary>(fetch, config, `/models/${id}/summary`).catch(() => null),
      auditGet<ModelsPage>(fetch, config, "/models", { pageSize: "1000" }).catch(() => null),
    ],
  );
  const children = (indexed?.rows ?? []).filter((m) => m.parentId === String(id)).map((m) => m.id);
  const status = (indexed?.rows ?? []).find((m) => m.id === String(id))?.status ?? "active";
  return { model, institution, card, summary, children, status, measurements, evaluators };
};
