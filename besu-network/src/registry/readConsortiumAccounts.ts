import type { Address, PublicClient } from "viem";
import { BesuNetworkError } from "../errors.ts";
import type { Deployment } from "./loadDeployment.ts";

export type ConsortiumAccounts = { members: Address[]; staff: Address[] };

/** Placeholder until the chain package exports its ABIs: reading the registry needs them. */
export async function readConsortiumAccounts(
  _client: PublicClient,
  _deployment: Deployment,
): Promise<ConsortiumAccounts> {
  throw new BesuNetworkError(
    "Reading members and staff needs the @neuroledger/chain ABIs, which are not exported yet",
  );
}
