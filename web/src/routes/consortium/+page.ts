import { publicClientFor } from "#lib/chain/client.ts";
import { readMembers, readProposals } from "#lib/chain/governance.ts";

export const load = async ({ parent, depends }) => {
  depends("chain:consortium");
  const { config } = await parent();
  if (!config.contracts) return { members: [], proposals: [], now: 0n, timelockDelay: 0n };
  const client = publicClientFor(config);
  const from = BigInt(config.deployBlock);
  const [members, proposals, block] = await Promise.all([
    readMembers(client, config.contracts, from),
    readProposals(client, config.contracts, from),
    client.getBlock(),
  ]);
  return { members, proposals, now: block.timestamp };
};
