import { consortiumGovernorAbi, membershipAbi, modelRegistryAbi } from "@neuroledger/chain";
import { error } from "@sveltejs/kit";
import { decodeEventLog } from "viem";
import { publicClientFor } from "#lib/chain/client.ts";

const abis = [modelRegistryAbi, membershipAbi, consortiumGovernorAbi];

/** A transaction as the chain itself reports it: the audit rows link here when there is no explorer. */
export const load = async ({ params, parent }) => {
  const { config } = await parent();
  const client = publicClientFor(config);
  const hash = params.hash as `0x${string}`;
  const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
  if (!receipt) error(404, `Transaction ${hash} is not on this chain.`);
  const block = await client.getBlock({ blockNumber: receipt.blockNumber });
  const events = receipt.logs.map((log) => {
    for (const abi of abis) {
      try {
        const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
        return {
          address: log.address,
          name: decoded.eventName,
          args: JSON.stringify(decoded.args, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        };
      } catch {}
    }
    return { address: log.address, name: "(unknown event)", args: log.data };
  });
  return {
    receipt: {
      hash,
      from: receipt.from,
      to: receipt.to,
      status: receipt.status,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
    },
    timestamp: block.timestamp,
    events,
  };
};
