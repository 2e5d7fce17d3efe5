import type { Deployment } from "@neuroledger/chain";
import { membershipAbi, modelRegistryAbi } from "@neuroledger/chain";
import { type Address, getAddress, type PublicClient } from "viem";

export type ConsortiumAccounts = { members: Address[]; staff: Address[] };

/** Besu answers eth_getLogs for a bounded block range only (`rpc-max-logs-range`). */
export const LOGS_BLOCK_RANGE = 1000n;

/** The registry's AccountKind enum: None, Member, Staff, Patient. */
const STAFF = 2;

async function accountsFromEvents(
  client: PublicClient,
  deployment: Deployment,
  toBlock: bigint,
): Promise<{ admitted: Set<Address>; staffAdded: Set<Address> }> {
  const admitted = new Set<Address>();
  const staffAdded = new Set<Address>();
  for (let from = BigInt(deployment.deployBlock); from <= toBlock; from += LOGS_BLOCK_RANGE) {
    const to = from + LOGS_BLOCK_RANGE - 1n < toBlock ? from + LOGS_BLOCK_RANGE - 1n : toBlock;
    const [admissions, staff] = await Promise.all([
      client.getContractEvents({
        address: deployment.contracts.membership,
        abi: membershipAbi,
        eventName: "InstitutionAdmitted",
        fromBlock: from,
        toBlock: to,
        strict: true,
      }),
      client.getContractEvents({
        address: deployment.contracts.registry.address,
        abi: modelRegistryAbi,
        eventName: "StaffAdded",
        fromBlock: from,
        toBlock: to,
        strict: true,
      }),
    ]);
    for (const log of admissions) admitted.add(getAddress(log.args.account));
    for (const log of staff) staffAdded.add(getAddress(log.args.account));
  }
  return { admitted, staffAdded };
}

/**
 * The accounts of the consortium as it stands at the latest block: member institutions' accounts
 * and the staff of institutions that are still members. Events only name the candidates (every
 * account ever admitted or added as staff); the contracts' current state decides, so removals,
 * re-admissions and staff of a removed institution come out right.
 */
export async function readConsortiumAccounts(
  client: PublicClient,
  deployment: Deployment,
): Promise<ConsortiumAccounts> {
  const latest = await client.getBlockNumber();
  const { admitted, staffAdded } = await accountsFromEvents(client, deployment, latest);
  const members = (
    await Promise.all(
      [...admitted].map(async (account) =>
        (await client.readContract({
          address: deployment.contracts.membership,
          abi: membershipAbi,
          functionName: "isMember",
          args: [account],
          blockNumber: latest,
        }))
          ? account
          : undefined,
      ),
    )
  ).filter((a): a is Address => a !== undefined);
  const staff = (
    await Promise.all(
      [...staffAdded].map(async (account) => {
        const roles = await client.readContract({
          address: deployment.contracts.registry.address,
          abi: modelRegistryAbi,
          functionName: "rolesOf",
          args: [account],
          blockNumber: latest,
        });
        return roles.kind === STAFF && roles.institutionActive ? account : undefined;
      }),
    )
  ).filter((a): a is Address => a !== undefined);
  const byAddress = (a: Address, b: Address) => a.toLowerCase().localeCompare(b.toLowerCase());
  return { members: members.sort(byAddress), staff: staff.sort(byAddress) };
}
