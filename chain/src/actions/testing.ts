// Test fixture of the actions' tests (not exported): one dev consortium on Hardhat's in-process
// network, deployed by the real deploy code, with two published models, a patient grant and a
// registered key. Deployed once per test process (the runner runs files in one process).
import { modelRegistryAbi } from "../../abi/index.ts";
import { publishParams, setUpConsortium } from "../../test/support/consortium.ts";
import { devAccounts } from "../dev.ts";
import { consortiumContracts } from "./types.ts";

async function build() {
  const ctx = await setUpConsortium();
  const contracts = consortiumContracts(ctx.deployment);
  const registry = contracts.registry;
  const beforePublish = await ctx.publicClient.getBlockNumber();
  const first = publishParams(9000, 9100);
  const second = publishParams(9500, 9200, 1n);
  await ctx.send("publisher", registry, modelRegistryAbi, "publish", [first]);
  await ctx.send("publisher", registry, modelRegistryAbi, "publish", [second]);
  const now = BigInt(await ctx.time.latest());
  await ctx.send("institutionB", registry, modelRegistryAbi, "grantPatientAccess", [
    devAccounts.patient.address,
    1n,
    now + 86_400n,
  ]);
  const staffKey = `0x${"ab".repeat(32)}` as const;
  await ctx.send("staff", registry, modelRegistryAbi, "setEncryptionKey", [staffKey]);
  return {
    ...ctx,
    client: ctx.publicClient,
    contracts,
    registry,
    fromBlock: BigInt(ctx.deployment.deployBlock),
    /** The last block before the fixture published anything. */
    beforePublish,
    published: [first, second] as const,
    grantExpiresAt: now + 86_400n,
    staffKey,
  };
}

let shared: ReturnType<typeof build> | undefined;

/** The shared consortium (deployed on first use). */
export function consortium() {
  shared ??= build();
  return shared;
}
