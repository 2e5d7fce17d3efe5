import { publicClientFor } from "#lib/chain/client.ts";
import { readOverview } from "#lib/chain/registry.ts";

export const load = async ({ parent, depends }) => {
  depends("chain:overview");
  const { config } = await parent();
  if (!config.contracts) return { overview: null };
  return { overview: await readOverview(publicClientFor(config), config.contracts) };
};
