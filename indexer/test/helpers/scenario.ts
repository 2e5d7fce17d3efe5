import {
  AUDITOR_ROLE,
  consortiumGovernorAbi,
  membershipAbi,
  modelRegistryAbi,
} from "@neuroledger/chain";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
  toBytes,
} from "viem";
import type { IndexedDeployment } from "../../lib/contracts.ts";
import type { LocalChain } from "./chain.ts";
import { dev } from "./devAccounts.ts";
import {
  advance as advanceClock,
  DEFAULT_VOTES,
  type ProposedCall,
  passProposal,
  send as sendCall,
} from "./governance.ts";

export { dev };

export const TASK = "brain-tumor-mri/binary";
const TASK_ID = keccak256(toBytes(TASK));
const DAY = 86_400;
type Kind = "member" | "staff" | "patient";

export type ExpectedDownload = {
  /** The task and its registry (lowercase): the scenario's registry is the binary task's. */
  task: string;
  registry: Address;
  txHash: Hex;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  modelId: bigint;
  account: Address;
  institutionId: bigint;
  kind: Kind;
};

/** What the scenario did, read back from receipts and the chain: the indexer must agree. */
export type Ledger = {
  downloads: ExpectedDownload[];
  published: { modelId: bigint; f1: number; txHash: Hex; blockNumber: number }[];
  revoked: Map<bigint, string>;
  proposals: {
    id: bigint;
    state: "executed" | "canceled";
    votes: { voter: Address; support: number }[];
  }[];
  keyringUpdates: { modelId: bigint; version: number }[];
  /** Members' evaluations (registry v3), in order. */
  evaluations: { modelId: bigint; institutionId: bigint; f1: number; txHash: Hex }[];
  institutionD: bigint;
};

/**
 * Drives the dev consortium through a life every event type shows up in: a profile update,
 * encryption keys, an admission by vote (one against), a canceled proposal, twelve publishes (two
 * evictions), a keyring update, staff added and removed, patient grants (one revoked), downloads
 * by members, staff and a patient over three days, a revocation with a pause and unpause by
 * vote, and a removal by vote.
 */
export async function runScenario(c: LocalChain, d: IndexedDeployment): Promise<Ledger> {
  const { registry, membership, governor } = d.addresses;
  const ledger: Ledger = {
    downloads: [],
    published: [],
    revoked: new Map(),
    proposals: [],
    keyringUpdates: [],
    evaluations: [],
    institutionD: 0n,
  };

  const send = (
    from: (typeof dev)[keyof typeof dev],
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
  ) => sendCall(c, from, address, abi, functionName, args);
  const reg = (from: (typeof dev)[keyof typeof dev], fn: string, args: readonly unknown[] = []) =>
    send(from, registry, modelRegistryAbi, fn, args);
  const advance = (seconds: number) => advanceClock(c, seconds);
  async function now() {
    return Number((await c.publicClient.getBlock()).timestamp);
  }

  /** Proposes `calls` as institution A, votes (A and B for, C against), queues, executes. */
  async function govern(calls: ProposedCall[], description: string) {
    const id = await passProposal(c, governor, calls, description);
    ledger.proposals.push({
      id,
      state: "executed",
      votes: DEFAULT_VOTES.map((v) => ({ voter: v.voter.address, support: v.support })),
    });
    return id;
  }

  async function downloadBy(
    who: (typeof dev)[keyof typeof dev],
    modelId: bigint,
    institutionId: bigint,
    kind: Kind,
  ) {
    const receipt = await reg(who, "recordDownload", [modelId]);
    const [log] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelDownloaded",
    });
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    ledger.downloads.push({
      task: TASK,
      registry: registry.toLowerCase() as Address,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      logIndex: log!.logIndex,
      timestamp: Number(block.timestamp),
      modelId,
      account: who.address,
      institutionId,
      kind,
    });
  }

  // Profiles and keys.
  await send(dev.institutionA, membership, membershipAbi, "updateProfile", [
    1n,
    "Aurora University Hospital",
    "https://aurora.example/profile.json",
  ]);
  await reg(dev.staff, "setEncryptionKey", [keccak256(toBytes("staff x25519"))]);
  await reg(dev.publisher, "setEncryptionKey", [keccak256(toBytes("publisher x25519"))]);

  // Admission of a fourth institution by vote.
  await govern(
    [
      {
        target: membership,
        abi: membershipAbi,
        fn: "admit",
        args: [dev.candidate.address, "Delta Hospital", "ipfs://delta"],
      },
    ],
    "Admit Delta Hospital",
  );
  ledger.institutionD = await c.publicClient.readContract({
    address: membership,
    abi: membershipAbi,
    functionName: "institutionOf",
    args: [dev.candidate.address],
  });

  // A proposal its proposer withdraws before voting starts.
  const cancelCalls = [
    encodeFunctionData({ abi: membershipAbi, functionName: "remove", args: [2n] }),
  ];
  const proposed = await send(dev.institutionA, governor, consortiumGovernorAbi, "propose", [
    [membership],
    [0n],
    cancelCalls,
    "Remove Borealis (by mistake)",
  ]);
  const [created] = parseEventLogs({
    abi: consortiumGovernorAbi,
    logs: proposed.logs,
    eventName: "ProposalCreated",
  });
  // The proposer may cancel only while the proposal is Pending (clock <= voteStart). The dev voting
  // delay is one second, so the cancel's block is pinned to voteStart: a slow machine taking more
  // than a second between the two transactions must not make the cancel revert.
  await c.testClient.setNextBlockTimestamp({ timestamp: created!.args.voteStart });
  await send(dev.institutionA, governor, consortiumGovernorAbi, "cancel", [
    [membership],
    [0n],
    cancelCalls,
    keccak256(toBytes("Remove Borealis (by mistake)")),
  ]);
  ledger.proposals.push({ id: created!.args.proposalId, state: "canceled", votes: [] });

  // Twelve publishes: ten fill the top ten, the eleventh does not rank (and is evicted when the
  // twelfth replaces it as latest), the twelfth ranks first and pushes the weakest out.
  const f1s = [5000, 6000, 5500, 7000, 6500, 8000, 7500, 9000, 8500, 9100, 4000, 9200];
  for (const [i, f1] of f1s.entries()) {
    const sha = keccak256(toBytes(`scenario model ${i + 1}`));
    const receipt = await reg(dev.publisher, "publish", [
      {
        content: { digest: sha, codec: 0x55 },
        keyring: { digest: keccak256(sha), codec: 0x70 },
        sha256: sha,
        metrics: {
          accuracy: 8000 + i,
          precision: 8100,
          recall: 8200,
          f1,
          auc: 9000,
          testSetSize: 300,
        },
        taskId: TASK_ID,
        parentId: i === 11 ? 10n : 0n,
        cardHash: keccak256(toBytes(`scenario card ${i + 1}`)),
        weightsHash: keccak256(toBytes(`scenario weights ${i + 1}`)),
      },
    ]);
    const [log] = parseEventLogs({
      abi: modelRegistryAbi,
      logs: receipt.logs,
      eventName: "ModelPublished",
    });
    ledger.published.push({
      modelId: log!.args.modelId,
      f1,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
    });
    await advance(600);
  }
  const [m10, m12] = [10n, 12n];
  await reg(dev.publisher, "updateKeyring", [
    m12,
    { digest: keccak256(toBytes("keyring v2")), codec: 0x70 },
  ]);
  ledger.keyringUpdates.push({ modelId: m12, version: 2 });

  // Staff come and go; patients get grants.
  const temp = dev.nonMember;
  await reg(dev.institutionC, "addStaff", [temp.address]);
  await reg(dev.institutionC, "removeStaff", [temp.address]);
  const in30Days = BigInt((await now()) + 30 * DAY);
  await reg(dev.institutionA, "grantPatientAccess", [dev.patient.address, m12, in30Days]);
  await reg(dev.institutionB, "grantPatientAccess", [dev.patient.address, m10, in30Days]);
  await reg(dev.patient, "setEncryptionKey", [keccak256(toBytes("patient x25519"))]);

  // Downloads over three days.
  await downloadBy(dev.staff, m12, 2n, "staff");
  await downloadBy(dev.staff, m12, 2n, "staff");
  await downloadBy(dev.institutionB, m12, 2n, "member");
  await downloadBy(dev.patient, m12, 1n, "patient");
  await advance(DAY);
  await downloadBy(dev.staff, m10, 2n, "staff");
  await downloadBy(dev.publisher, m12, 1n, "staff");
  await downloadBy(dev.institutionC, 9n, 3n, "member");
  await downloadBy(dev.patient, m10, 2n, "patient");
  await reg(dev.institutionB, "revokePatientAccess", [dev.patient.address, m10]);
  await advance(DAY);
  await downloadBy(dev.patient, m12, 1n, "patient");
  await downloadBy(dev.candidate, m12, ledger.institutionD, "member");

  // Members evaluate the best model on their own data (v3); high enough that it stays first.
  for (const [who, institutionId, f1, specificity] of [
    [dev.staff, 2n, 9800, 9600],
    [dev.institutionC, 3n, 9900, 9700],
  ] as const) {
    const receipt = await reg(who, "submitEvaluation", [
      m12,
      {
        accuracy: (f1 + specificity) / 2,
        precision: f1,
        recall: f1,
        specificity,
        f1,
        auc: 9900,
        positives: 100,
        negatives: 100,
        fingerprint: keccak256(toBytes(`evaluation set of ${institutionId}`)),
        codeVersion: 0x000100,
        cardVersion: 2,
      },
    ]);
    ledger.evaluations.push({ modelId: m12, institutionId, f1, txHash: receipt.transactionHash });
  }

  // Governance revokes model 8 (rank shifts), pauses and unpauses; then removes Delta.
  await govern(
    [
      {
        target: registry,
        abi: modelRegistryAbi,
        fn: "revoke",
        args: [8n, "training labels leaked into the test set"],
      },
      { target: registry, abi: modelRegistryAbi, fn: "pause", args: [] },
      { target: registry, abi: modelRegistryAbi, fn: "unpause", args: [] },
    ],
    "Revoke model 8",
  );
  ledger.revoked.set(8n, "training labels leaked into the test set");
  await govern(
    [{ target: membership, abi: membershipAbi, fn: "remove", args: [ledger.institutionD] }],
    "Remove Delta Hospital",
  );
  return ledger;
}

/** The chain's own view after the scenario: the oracle the indexer's tables are checked against. */
export async function chainState(c: LocalChain, d: IndexedDeployment, ledger: Ledger) {
  const { registry } = d.addresses;
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    c.publicClient.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  const topTen = await read<readonly bigint[]>("topTenIds");
  const latest = await read<bigint>("latestModelId");
  const models = new Map<
    bigint,
    { status: "active" | "evicted" | "revoked"; rank: number | null; isLatest: boolean }
  >();
  for (const p of ledger.published) {
    const active = await read<boolean>("isActive", [p.modelId]);
    const status = ledger.revoked.has(p.modelId) ? "revoked" : active ? "active" : "evicted";
    const rank = topTen.indexOf(p.modelId);
    models.set(p.modelId, { status, rank: rank < 0 ? null : rank, isLatest: latest === p.modelId });
  }
  const auditorRoles = await read<{ auditor: boolean }>("rolesOf", [dev.auditor.address]);
  return {
    topTen,
    latest,
    models,
    auditorIsAuditor: auditorRoles.auditor,
    auditorRole: AUDITOR_ROLE,
  };
}
