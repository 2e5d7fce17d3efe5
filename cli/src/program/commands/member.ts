import { Argument, type Command } from "commander";
import type { RoleName } from "../../commands/member.ts";
import { printResult } from "../../output.ts";
import { connect, withConnectionOptions } from "../connection.ts";
import { parseId } from "../parsers.ts";
import type { CommandDeclaration } from "../types.ts";

const ROLE_NAMES: RoleName[] = ["publisher", "auditor", "guardian"];
const governance = () => import("../../commands/member.ts");

/** `neuroledger member ...`: proposals, votes, queue/execute, list. */
export const declareMember: CommandDeclaration = (program) => {
  const member = program
    .command("member")
    .description("consortium governance: proposals, votes, members");
  declarePropose(member);
  declareVote(member);
  declareQueueAndExecute(member);
  withConnectionOptions(
    member
      .command("resync")
      .description(
        "bring every task's registry back in step with the Membership (after its observer pointed away from the TaskDirectory); anyone may send it",
      )
      .option("--json", "print as one JSON line"),
  ).action(async (opts) => {
    printResult(
      await (await governance()).resyncRegistries(await connect(opts)),
      Boolean(opts.json),
    );
  });
  withConnectionOptions(
    member
      .command("list")
      .description("member institutions and proposals")
      .option("--json", "print as one JSON line"),
  ).action(async (opts) => {
    printResult(await (await governance()).listMembers(await connect(opts)), Boolean(opts.json));
  });
};

/** `member propose admit | remove | grant-role | revoke-role`. */
function declarePropose(member: Command): void {
  const propose = member
    .command("propose")
    .description("propose an admission, a removal, or a role change");
  withConnectionOptions(
    propose
      .command("admit")
      .description("propose admitting an institution")
      .argument("<account>", "the institution's account")
      .requiredOption("--name <name>", "institution name")
      .option("--metadata <uri>", "metadata URI", "")
      .option("--json", "print the result as one JSON line"),
  ).action(async (account: string, opts) => {
    const g = await governance();
    const action = {
      kind: "admit" as const,
      account: g.parseAddress(account),
      name: opts.name,
      metadataURI: opts.metadata,
    };
    printResult(await g.propose(await connect(opts), action), Boolean(opts.json));
  });
  withConnectionOptions(
    propose
      .command("remove")
      .description("propose removing an institution")
      .argument("<institutionId>", "institution (token) id", parseId)
      .option("--json", "print the result as one JSON line"),
  ).action(async (institutionId: bigint, opts) => {
    const action = { kind: "remove" as const, institutionId };
    printResult(
      await (await governance()).propose(await connect(opts), action),
      Boolean(opts.json),
    );
  });
  for (const kind of ["grant-role", "revoke-role"] as const) {
    withConnectionOptions(
      propose
        .command(kind)
        .description(`propose to ${kind === "grant-role" ? "grant" : "revoke"} a registry role`)
        .addArgument(new Argument("<role>", "role").choices(ROLE_NAMES))
        .argument("<account>", "account")
        .option("--json", "print the result as one JSON line"),
    ).action(async (role: RoleName, account: string, opts) => {
      const g = await governance();
      const action = { kind, role, account: g.parseAddress(account) };
      printResult(await g.propose(await connect(opts), action), Boolean(opts.json));
    });
  }
}

/** `member vote <proposalId> for|against|abstain`. */
function declareVote(member: Command): void {
  withConnectionOptions(
    member
      .command("vote")
      .description("vote on a proposal")
      .argument("<proposalId>", "proposal id", parseId)
      .addArgument(
        new Argument("<support>", "for, against or abstain").choices(["for", "against", "abstain"]),
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (proposalId: bigint, support: "for" | "against" | "abstain", opts) => {
    printResult(
      await (await governance()).vote(await connect(opts), proposalId, support),
      Boolean(opts.json),
    );
  });
}

/** `member queue <proposalId>` and `member execute <proposalId>`. */
function declareQueueAndExecute(member: Command): void {
  for (const step of ["queue", "execute"] as const) {
    withConnectionOptions(
      member
        .command(step)
        .description(
          step === "queue"
            ? "queue a succeeded proposal in the timelock"
            : "execute a queued proposal",
        )
        .argument("<proposalId>", "proposal id", parseId)
        .option("--json", "print the result as one JSON line"),
    ).action(async (proposalId: bigint, opts) => {
      printResult(
        await (await governance()).queueOrExecute(await connect(opts), proposalId, step),
        Boolean(opts.json),
      );
    });
  }
}
