// A founder of a fresh deployment can propose at once, even on a dev node that stamps every block
// with the same second (CI failed on this: GovernorInsufficientProposerVotes right after deploy).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, keccak256, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelRegistryAbi, taskDirectoryAbi } from "../../abi/index.ts";
import {
  describeProposal,
  encodeProposal,
  type ProposalAction,
} from "../actions/proposalActions.ts";
import { proposeCall } from "../actions/propose.ts";
import { consortiumContracts } from "../actions/types.ts";
import { DEFAULT_TASKS, TYPE_TASK } from "../constants.ts";
import { devAccounts, devInstitutions } from "../dev.ts";
import { proposalDescription } from "../proposals.ts";
import { DEFAULT_ADMIN_ROLE } from "../roles.ts";
import { parseDeployment, taskRegistry } from "../schemas/deployment.ts";
import { deployConsortium } from "./deployConsortium.ts";
import { openDeploySession } from "./deploySession.ts";
import { type LocalNode, startLocalNode } from "./localNode.ts";

describe("deployConsortium", { timeout: 120_000 }, () => {
  let node: LocalNode;
  before(async () => {
    node = await startLocalNode({ blockTime: 0 });
  });
  after(async () => {
    await node?.stop();
  });

  it("lets every founder propose in the next block, even when blocks share a second", async () => {
    const transport = http(node.url, { retryCount: 0 });
    const deployer = privateKeyToAccount(devAccounts.deployer.privateKey);
    const session = await openDeploySession(transport, deployer, () => {});
    // Every block gets the same timestamp: the worst case of a fast machine, made certain.
    await session.publicClient.request({
      method: "anvil_setBlockTimestampInterval" as never,
      params: [0] as never,
    });
    const deployment = await deployConsortium({ transport, deployer, dev: true });
    const contracts = consortiumContracts(deployment);
    const action: ProposalAction = {
      kind: "grant-role",
      role: "auditor",
      account: devAccounts.candidate.address,
    };
    for (const founder of devInstitutions) {
      const call = proposeCall({
        governor: contracts.governor,
        ...encodeProposal(contracts, action),
        description: proposalDescription(describeProposal(action)),
      });
      const { result } = await session.publicClient.simulateContract({
        ...call,
        account: founder.account,
      });
      assert.equal(typeof result, "bigint", `${founder.name} may propose`);
    }
  });

  it("runs one registry per task, listed in a directory the timelock administers", async () => {
    const transport = http(node.url, { retryCount: 0 });
    const deployer = privateKeyToAccount(devAccounts.deployer.privateKey);
    const session = await openDeploySession(transport, deployer, () => {});
    const deployment = parseDeployment(
      JSON.parse(JSON.stringify(await deployConsortium({ transport, deployer, dev: true }))),
    );
    const { taskDirectory, tasks, timelock, registry } = deployment.contracts;
    assert.ok(taskDirectory && tasks);
    assert.deepEqual(
      tasks.map((t) => t.task),
      [...DEFAULT_TASKS],
    );
    assert.equal(tasks[0]?.registry.address, registry.address);
    const read = session.publicClient.readContract;
    assert.equal(
      await read({
        address: taskDirectory.address,
        abi: taskDirectoryAbi,
        functionName: "taskCount",
      }),
      2n,
    );
    const typeRegistry = taskRegistry(deployment, TYPE_TASK).address;
    assert.notEqual(typeRegistry, registry.address);
    assert.equal(
      await read({
        address: taskDirectory.address,
        abi: taskDirectoryAbi,
        functionName: "registryOf",
        args: [keccak256(toBytes(TYPE_TASK))],
      }),
      typeRegistry,
    );
    for (const address of [taskDirectory.address, registry.address, typeRegistry]) {
      // Both ABIs share AccessControl's hasRole.
      const abi = taskDirectoryAbi;
      assert.equal(
        await read({ address, abi, functionName: "hasRole", args: [DEFAULT_ADMIN_ROLE, timelock] }),
        true,
      );
      assert.equal(
        await read({
          address,
          abi,
          functionName: "hasRole",
          args: [DEFAULT_ADMIN_ROLE, deployer.address],
        }),
        false,
        `the deployer keeps no admin role on ${address}`,
      );
    }
    for (const address of [registry.address, typeRegistry]) {
      assert.equal(
        await read({ address, abi: modelRegistryAbi, functionName: "adminCount" }),
        1n,
        `the timelock is the only admin of ${address}`,
      );
    }
    // Founders, the publisher and the clinician exist in the type task's registry too.
    for (const account of [
      devAccounts.institutionC.address,
      devAccounts.publisher.address,
      devAccounts.staff.address,
    ]) {
      const roles = await read({
        address: typeRegistry,
        abi: modelRegistryAbi,
        functionName: "rolesOf",
        args: [account],
      });
      assert.notEqual(roles.kind, 0, `${account} is known to the type registry`);
    }
    assert.throws(
      () => taskRegistry(deployment, "brain-tumor-mri/grade"),
      /Unknown task "brain-tumor-mri\/grade"; this deployment runs: brain-tumor-mri\/binary, brain-tumor-mri\/type/,
    );
  });
});
