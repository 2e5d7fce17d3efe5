// A deployment step's gas limit has room for the block the call lands in: an admission estimated
// within the second of an earlier admission costs ~22,600 gas more when mined in the next second
// (the membership's vote checkpoints are keyed by timestamp). The bare estimate ran out of gas
// there, and deployments failed at random with "Deployment step failed: admit".
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { custom, encodeFunctionData, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { membershipAbi } from "../../abi/index.ts";
import { devAccounts } from "../dev.ts";
import { deployContract, deployProxy, openDeploySession, sendCall } from "./deploySession.ts";
import { type LocalNode, startLocalNode } from "./localNode.ts";

describe("deploy session", { timeout: 120_000 }, () => {
  let node: LocalNode;
  before(async () => {
    node = await startLocalNode({ blockTime: 0 });
  });
  after(async () => {
    await node?.stop();
  });

  it("sends an admission whose cost rises in the block it lands in, without running out of gas", async () => {
    const deployer = privateKeyToAccount(devAccounts.deployer.privateKey);
    const base = http(node.url, { retryCount: 0 });
    const rpc = (method: string, params: unknown[]) =>
      base({}).request({ method: method as never, params: params as never });
    // Each transaction is mined one second after the block before it, whatever the wall clock says:
    // the estimate sees the earlier block's second, the transaction lands in the next one.
    const nextSecond = custom({
      async request({ method, params }) {
        if (method === "eth_sendRawTransaction") {
          const latest = (await rpc("eth_getBlockByNumber", ["latest", false])) as {
            timestamp: string;
          };
          await rpc("evm_setNextBlockTimestamp", [Number(latest.timestamp) + 1]);
        }
        return rpc(method, params as unknown[]);
      },
    });
    const plain = await openDeploySession(base, deployer, () => {});
    const membership = await deployProxy(
      plain,
      await deployContract(plain, "Membership"),
      encodeFunctionData({
        abi: membershipAbi,
        functionName: "initialize",
        args: [deployer.address, "Gas Test Membership", "GTM"],
      }),
      "membership",
    );
    // The first admission lands far ahead of the wall clock, so estimates see its second.
    const { timestamp } = await plain.publicClient.getBlock();
    await rpc("evm_setNextBlockTimestamp", [Number(timestamp) + 3600]);
    const admit = (session: typeof plain, account: `0x${string}`, name: string) =>
      sendCall(session, membership, membershipAbi, "admit", [account, name, ""]);
    await admit(plain, devAccounts.institutionA.address, "Aurora");

    const session = await openDeploySession(nextSecond, deployer, () => {});
    await admit(session, devAccounts.institutionB.address, "Borealis");
    await admit(session, devAccounts.institutionC.address, "Cedar");
    assert.equal(
      await plain.publicClient.readContract({
        address: membership,
        abi: membershipAbi,
        functionName: "memberCount",
      }),
      3n,
    );
  });
});
