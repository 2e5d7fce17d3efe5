// pnpm -C chain bench:gas — gas used by each registry and governance operation on a fresh local
// node (anvil, automine). Prints a table and writes bench/gas.json.
//
// `gasUsed` is the receipt's figure (what the sender pays, after refunds): it includes the
// 21,000 base cost and calldata. `execution` = gasUsed - 21,000 - calldata gas (4 per zero byte,
// 16 per non-zero byte), i.e. what the call itself costs (what forge/Hardhat gas reports show).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Abi,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  sha256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { consortiumGovernorAbi, membershipAbi, modelRegistryAbi } from "../abi/index.ts";
import { CID_CODEC, TASK_ID, TYPE_TASK, TYPE_TASK_ID } from "../src/constants.ts";
import { ensureDeployment } from "../src/deploy/ensureDeployment.ts";
import { startLocalNode } from "../src/deploy/localNode.ts";
import { type DevAccountName, devAccounts } from "../src/dev.ts";
import { taskRegistry } from "../src/schemas/deployment.ts";

const TARGETS: Record<string, number> = {
  recordDownload: 30_000,
  publishFullTopTen: 160_000,
  submitEvaluationFirst: 120_000,
  submitEvaluationReplacing: 120_000,
  submitEvaluationWorstSiteImproves: 120_000,
  publishFullTopTenWithEvaluations: 160_000,
  typeTaskPublishFullTopTen: 160_000,
};
const chainDir = join(dirname(fileURLToPath(import.meta.url)), "..");

const node = await startLocalNode({ blockTime: 0 });
const dir = mkdtempSync(join(tmpdir(), "nl-bench-"));
try {
  const transport = http(node.url);
  const { deployment } = await ensureDeployment({
    transport,
    deployer: privateKeyToAccount(devAccounts.deployer.privateKey),
    dev: true,
    dir,
  });
  const chain = { id: deployment.chainId } as never;
  const client = createPublicClient({ chain, transport });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const registry = deployment.contracts.registry.address;
  const governor = deployment.contracts.governor;
  const membership = deployment.contracts.membership;
  const results: { operation: string; gasUsed: number; execution: number }[] = [];

  async function send(
    who: DevAccountName,
    address: Address,
    abi: Abi,
    functionName: string,
    args: unknown[],
    record?: string,
  ) {
    const wallet = createWalletClient({
      account: privateKeyToAccount(devAccounts[who].privateKey),
      chain,
      transport,
    });
    const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    if (record) {
      const { input } = await client.getTransaction({ hash });
      let calldataGas = 0;
      for (let i = 2; i < input.length; i += 2)
        calldataGas += input.slice(i, i + 2) === "00" ? 4 : 16;
      const gasUsed = Number(receipt.gasUsed);
      results.push({ operation: record, gasUsed, execution: gasUsed - 21_000 - calldataGas });
    }
  }

  let nonce = 0;
  function params(f1: number, accuracy: number, taskId: Hex = TASK_ID) {
    nonce += 1;
    return {
      content: { digest: keccak256(toHex(`content-${nonce}`)), codec: CID_CODEC.dagPb },
      keyring: { digest: keccak256(toHex(`keyring-${nonce}`)), codec: CID_CODEC.raw },
      sha256: sha256(toHex(`model-${nonce}`)),
      metrics: { accuracy, precision: 9100, recall: 8900, f1, auc: 9700, testSetSize: 600 },
      taskId,
      parentId: 0n,
      cardHash: sha256(toHex(`card-${nonce}`)),
      weightsHash: sha256(toHex(`weights-${nonce}`)),
    };
  }
  const publish = (f1: number, record?: string) =>
    send("publisher", registry, modelRegistryAbi, "publish", [params(f1, 9000)], record);

  await send(
    "staff",
    registry,
    modelRegistryAbi,
    "setEncryptionKey",
    [keccak256(toHex("x25519"))],
    "setEncryptionKey",
  );
  await publish(5000, "publishFirst");
  for (let i = 1; i < 10; i += 1)
    await publish(5000 + i * 10, i === 5 ? "publishMidList" : undefined);
  // Full list: the best model so far enters at rank 0 and the tenth is evicted.
  await publish(9900, "publishFullTopTen");
  await publish(100, "publishUnranked");
  const top = (await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "topTenIds",
  })) as bigint[];
  const model = top[0] as bigint;
  await send(
    "publisher",
    registry,
    modelRegistryAbi,
    "updateKeyring",
    [model, { digest: keccak256(toHex("k2")), codec: CID_CODEC.raw }],
    "updateKeyring",
  );
  await send(
    "publisher",
    registry,
    modelRegistryAbi,
    "updateKeyring",
    [model, { digest: keccak256(toHex("k3")), codec: CID_CODEC.raw }],
    "updateKeyringAgain",
  );
  await send(
    "publisher",
    registry,
    modelRegistryAbi,
    "rotateContentKey",
    [
      model,
      { digest: keccak256(toHex("c2")), codec: CID_CODEC.dagPb },
      { digest: keccak256(toHex("k4")), codec: CID_CODEC.raw },
    ],
    "rotateContentKey",
  );
  await send(
    "institutionA",
    registry,
    modelRegistryAbi,
    "addStaff",
    [devAccounts.nonMember.address],
    "addStaff",
  );
  const expiry = BigInt(Math.floor(Date.now() / 1000) + 3600);
  await send(
    "institutionA",
    registry,
    modelRegistryAbi,
    "grantPatientAccess",
    [devAccounts.patient.address, model, expiry],
    "grantPatientAccess",
  );
  await send("staff", registry, modelRegistryAbi, "recordDownload", [model], "recordDownload");
  await send(
    "institutionB",
    registry,
    modelRegistryAbi,
    "recordDownload",
    [model],
    "recordDownloadMember",
  );
  await send(
    "patient",
    registry,
    modelRegistryAbi,
    "recordDownload",
    [model],
    "recordDownloadPatient",
  );

  // Members' evaluations (registry v3), each re-ranking the evaluated model. A coherent set on
  // 120 + 80 images: precision = recall = f1, specificity chosen so the accuracy agrees.
  const evaluation = (f1: number, specificity: number, label: string) => ({
    accuracy: Math.round((f1 * 120 + specificity * 80) / 200),
    precision: f1,
    recall: f1,
    specificity,
    f1,
    auc: 9000,
    positives: 120,
    negatives: 80,
    fingerprint: sha256(toHex(`evaluation-set-${label}`)),
    codeVersion: 0x000100,
    cardVersion: 2,
  });
  const evaluate = (who: DevAccountName, id: bigint, f1: number, record?: string) =>
    send(
      who,
      registry,
      modelRegistryAbi,
      "submitEvaluation",
      [id, evaluation(f1, 8000, who)],
      record,
    );
  // The best model, measured far below its claim at B, falls from first place to the bottom.
  await evaluate("staff", model, 5005, "submitEvaluationFirst");
  // B measures again (a new version of its set): the record is replaced and the model moves up.
  await evaluate("staff", model, 5055, "submitEvaluationReplacing");
  // C measures lower, then better than B: the worst site changes, the records are scanned again.
  await evaluate("institutionC", model, 5001);
  await evaluate("institutionC", model, 9000, "submitEvaluationWorstSiteImproves");
  const ranked = (await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "topTenIds",
  })) as bigint[];
  for (const id of ranked.slice(1, 6)) await evaluate("institutionB", id, 5000);
  await publish(9950, "publishFullTopTenWithEvaluations");

  // The type task's own registry (issue 15): its top ten filled, then a new #1 (macro F1) evicts
  // its tenth, exactly as in the binary task.
  const typeRegistry = taskRegistry(deployment, TYPE_TASK).address;
  const publishType = (f1: number, record?: string) =>
    send(
      "publisher",
      typeRegistry,
      modelRegistryAbi,
      "publish",
      [params(f1, 9000, TYPE_TASK_ID)],
      record,
    );
  for (let i = 0; i < 10; i += 1) await publishType(6000 + i * 10);
  await publishType(9900, "typeTaskPublishFullTopTen");

  // Admission of institution 4 through the Governor.
  const admit = {
    targets: [membership],
    values: [0n],
    calldatas: [
      (await import("viem")).encodeFunctionData({
        abi: membershipAbi,
        functionName: "admit",
        args: [devAccounts.candidate.address, "Delta Hospital", ""],
      }),
    ] as Hex[],
    description: "Admit Delta Hospital",
  };
  const descriptionHash = keccak256(toHex(admit.description));
  // Votes are checkpointed by timestamp: a proposer's votes count from the second after admission.
  await testClient.increaseTime({ seconds: 1 });
  await testClient.mine({ blocks: 1 });
  await send(
    "institutionA",
    governor,
    consortiumGovernorAbi,
    "propose",
    [admit.targets, admit.values, admit.calldatas, admit.description],
    "propose",
  );
  const proposalId = (await client.readContract({
    address: governor,
    abi: consortiumGovernorAbi,
    functionName: "hashProposal",
    args: [admit.targets, admit.values, admit.calldatas, descriptionHash],
  })) as bigint;
  const { votingDelay, votingPeriod, timelockDelay } = deployment.parameters;
  await testClient.increaseTime({ seconds: votingDelay + 1 });
  await testClient.mine({ blocks: 1 });
  await send(
    "institutionA",
    governor,
    consortiumGovernorAbi,
    "castVote",
    [proposalId, 1],
    "castVote",
  );
  await send("institutionB", governor, consortiumGovernorAbi, "castVote", [proposalId, 1]);
  await testClient.increaseTime({ seconds: votingPeriod + 1 });
  await testClient.mine({ blocks: 1 });
  await send(
    "institutionC",
    governor,
    consortiumGovernorAbi,
    "queue",
    [admit.targets, admit.values, admit.calldatas, descriptionHash],
    "queue",
  );
  await testClient.increaseTime({ seconds: timelockDelay + 1 });
  await testClient.mine({ blocks: 1 });
  await send(
    "institutionC",
    governor,
    consortiumGovernorAbi,
    "execute",
    [admit.targets, admit.values, admit.calldatas, descriptionHash],
    "execute",
  );
  const admitted = await client.readContract({
    address: membership,
    abi: membershipAbi,
    functionName: "isMember",
    args: [devAccounts.candidate.address],
  });
  if (!admitted) throw new Error("the admission proposal did not admit the candidate");

  console.table(
    Object.fromEntries(
      results.map((r) => [
        r.operation,
        {
          gasUsed: r.gasUsed,
          execution: r.execution,
          target: TARGETS[r.operation] ?? "",
        },
      ]),
    ),
  );
  const json = {
    ...Object.fromEntries(results.map((r) => [r.operation, r.gasUsed])),
    execution: Object.fromEntries(results.map((r) => [r.operation, r.execution])),
    targets: TARGETS,
    meta: {
      unit: "gas (receipt gasUsed; `execution` excludes the 21,000 base cost and calldata)",
      node: "anvil 1.7.1, hardfork cancun, automine",
      solc: "0.8.28, optimizer 200 runs, evmVersion cancun",
      recordDownload: "a clinician (staff account) downloading a top-ten model",
      date: new Date().toISOString(),
    },
  };
  writeFileSync(join(chainDir, "bench", "gas.json"), `${JSON.stringify(json, null, 2)}\n`);
  console.log("wrote bench/gas.json");
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
