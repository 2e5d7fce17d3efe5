import { existsSync } from "node:fs";
import { join } from "node:path";
import { TASK, TYPE_TASK } from "@neuroledger/chain";
import { deploymentTasks, readDeployment } from "@neuroledger/chain/deployment";
import { publish } from "../commands/publish.ts";
import { resolveConnection } from "../config.ts";
import type { UpService } from "./service.ts";

/**
 * The bundled demo model of each task, in order of preference: the trained one, else the smoke
 * model published while it has not been trained yet.
 */
export const TASK_MODEL_DIRS: Record<string, readonly string[]> = {
  [TASK]: ["demo", "smoke"],
  [TYPE_TASK]: ["type", "smoke-type"],
};

/** The bundled demo model of a task (default the binary task), or undefined when none is built. */
export function defaultModelDir(repoRoot: string, task: string = TASK): string | undefined {
  for (const name of TASK_MODEL_DIRS[task] ?? []) {
    const dir = join(repoRoot, "training", "models", name);
    if (existsSync(join(dir, "model.onnx")) && existsSync(join(dir, "card.json"))) return dir;
  }
  return undefined;
}

/**
 * Publishes a demo model per task as the dev publisher through its institution's node: `--model`
 * (or the bundled demo) for the first task, the bundled model of every other task the deployment
 * runs. The first task's model is required; another task without a bundled model is logged and
 * skipped (its registry stays empty).
 */
export const demoModelService: UpService = {
  name: "demo-model",
  async start(ctx) {
    const { options, stack } = ctx;
    if (options.noModel) return { stop: async () => {} };
    const publisher = stack.accounts.find((a) => a.role === "publisher");
    const node = stack.institutions.find((i) => i.name === publisher?.institution);
    if (!publisher || !node || !stack.chain)
      throw new Error("the demo model needs the publisher and its institution's node");
    const tasks = deploymentTasks(readDeployment(stack.chain.chainId, options.dataDir));
    const connection = await resolveConnection(
      {
        rpc: stack.chain.rpcUrl,
        key: publisher.privateKey,
        node: node.ipfs.gatewayUrl,
        deployment: stack.chain.deploymentFile,
        dataDir: options.dataDir,
        stack: "",
      },
      {},
    );
    const summary: string[] = [];
    for (const [index, { task }] of tasks.entries()) {
      const dir =
        index === 0
          ? (options.model ?? defaultModelDir(options.repoRoot, task))
          : defaultModelDir(options.repoRoot, task);
      if (!dir) {
        const names = (TASK_MODEL_DIRS[task] ?? []).map((n) => `training/models/${n}`);
        if (index === 0)
          throw new Error(
            `no model to publish: ${names.join(" or ") || "no folder"} has no model.onnx + card.json`,
          );
        ctx.log.warn("no demo model for this task: its registry stays empty", {
          task,
          looked: names.join(", "),
        });
        continue;
      }
      const result = await publish({
        connection,
        modelPath: join(dir, "model.onnx"),
        cardPath: join(dir, "card.json"),
        log: ctx.log.child({ proc: "publish", task }),
      });
      const name = dir.split(/[\\/]/).pop() ?? "model";
      stack.models.push({
        task,
        id: result.modelId,
        name,
        cid: result.contentCid,
        keyringCid: result.keyringCid,
        sha256: result.sha256,
      });
      summary.push(`model      #${result.modelId} ${name} (${task}, ${result.contentCid})`);
    }
    return { summary, stop: async () => {} };
  },
};
