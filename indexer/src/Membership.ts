import { ponder } from "ponder:registry";
import { account, accountEvent, institution } from "ponder:schema";
import { membershipAbi, roleName } from "../lib/contracts.ts";
import { logOtherEvents } from "../lib/eventLog.ts";

const at = (event: {
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: `0x${string}` };
}) => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  txHash: event.transaction.hash,
  timestamp: event.block.timestamp,
});

ponder.on("Membership:InstitutionAdmitted", async ({ event, context }) => {
  const { institutionId, account: who, name, metadataURI } = event.args;
  await context.db.insert(institution).values({
    id: institutionId,
    account: who,
    name,
    metadataUri: metadataURI,
    active: true,
    admittedAt: event.block.timestamp,
    admittedBlock: event.block.number,
    admittedTx: event.transaction.hash,
  });
  const member = { kind: "member" as const, institutionId, updatedBlock: event.block.number };
  await context.db
    .insert(account)
    .values({
      address: who,
      publisher: false,
      auditor: false,
      guardian: false,
      admin: false,
      ...member,
    })
    .onConflictDoUpdate(member);
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: who,
    change: "institution_admitted",
    institutionId,
    contract: "Membership",
    ...at(event),
  });
});

ponder.on("Membership:InstitutionRemoved", async ({ event, context }) => {
  const { institutionId, account: who } = event.args;
  await context.db.update(institution, { id: institutionId }).set({
    active: false,
    removedAt: event.block.timestamp,
    removedBlock: event.block.number,
    removedTx: event.transaction.hash,
  });
  if (await context.db.find(account, { address: who })) {
    await context.db
      .update(account, { address: who })
      .set({ kind: "none", institutionId: null, updatedBlock: event.block.number });
  }
  await context.db.insert(accountEvent).values({
    id: event.id,
    account: who,
    change: "institution_removed",
    institutionId,
    contract: "Membership",
    ...at(event),
  });
});

ponder.on("Membership:InstitutionProfileUpdated", async ({ event, context }) => {
  const { institutionId, name, metadataURI } = event.args;
  await context.db
    .update(institution, { id: institutionId })
    .set({ name, metadataUri: metadataURI });
});

for (const [name, granted] of [
  ["Membership:RoleGranted", true],
  ["Membership:RoleRevoked", false],
] as const) {
  ponder.on(name, async ({ event, context }) => {
    await context.db.insert(accountEvent).values({
      id: event.id,
      account: event.args.account,
      change: granted ? "role_granted" : "role_revoked",
      role: roleName(event.args.role),
      by: event.args.sender,
      contract: "Membership",
      ...at(event),
    });
  });
}

logOtherEvents(
  "Membership",
  membershipAbi,
  new Set([
    "InstitutionAdmitted",
    "InstitutionRemoved",
    "InstitutionProfileUpdated",
    "RoleGranted",
    "RoleRevoked",
  ]),
);
