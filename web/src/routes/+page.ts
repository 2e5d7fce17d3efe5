import { getScore } from "@neuroledger/chain/actions/getScore";
import { publicClientFor } from "#lib/chain/client.ts";
import { readMeasurements } from "#lib/chain/evaluations.ts";
import { readOverview } from "#lib/chain/registry.ts";

export const load = async ({ parent, depends }) => {
  depends("chain:overview");
  const { config } = await parent();
  if (!config.contracts) return { overview: null };
  const client = publicClientFor(config);
  const overview = await readOverview(client, config.contracts);
  const contracts = config.contracts;
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
  return { overview, latestMeasurements, scores: new Map(scores) };
};
