import { getLatestModelId, getModel } from "@neuroledger/chain/actions";
import { publicClientFor } from "#lib/chain/client.ts";

/**
 * The sha256 of each task's latest model (null where a task has none yet or the chain cannot be
 * read): the page starts with those models when this browser has them.
 */
export const load = async ({ parent }) => {
  const { config } = await parent();
  const client = config.contracts ? publicClientFor(config) : null;
  const latest = await Promise.all(
    config.tasks.map(async ({ task, registry }) => {
      if (!client) return [task, null] as const;
      try {
        const modelId = await getLatestModelId(client, { registry });
        if (modelId === 0n) return [task, null] as const;
        return [task, (await getModel(client, { registry, modelId })).sha256 as string] as const;
      } catch (cause) {
        console.warn(`The latest model of ${task} could not be read:`, cause);
        return [task, null] as const;
      }
    }),
  );
  return { latest: Object.fromEntries(latest) as Record<string, string | null> };
};
