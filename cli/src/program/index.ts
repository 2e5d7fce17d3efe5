// The CLI's commands, in `--help` order. Each declares itself in its own file under `commands/`
// and loads its implementation (cli/src/commands/*) only when it runs.
import { declareClassify } from "./commands/classify.ts";
import { declareDownload } from "./commands/download.ts";
import { declareEvaluate } from "./commands/evaluate.ts";
import { declareGrant } from "./commands/grant.ts";
import { declareMember } from "./commands/member.ts";
import { declareNode } from "./commands/node.ts";
import { declarePublish } from "./commands/publish.ts";
import { declareStatus } from "./commands/status.ts";
import { declareUp } from "./commands/up.ts";
import type { CommandDeclaration } from "./types.ts";

export type { CommandContext, CommandDeclaration } from "./types.ts";

/** Every command of `neuroledger`, in the order `--help` lists them. */
export const commandDeclarations: readonly CommandDeclaration[] = [
  declareNode,
  declarePublish,
  declareDownload,
  declareEvaluate,
  declareClassify,
  declareMember,
  declareGrant,
  declareStatus,
  declareUp,
];
