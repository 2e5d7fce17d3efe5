import { existsSync } from "node:fs";
import { join } from "node:path";
import { publish } from "../commands/publish.ts";
import { resolveConnection } from "../config.ts";
import type { UpService } from "./service.ts";

/** The bundled demo model, or the smoke model while the demo has not been trained yet. */
export function defaultModelDir(repoRoot: string): string | undefined {
  for (const name of ["demo", "smoke"]) {
    const dir = join(repoRoot, "training", "models", name);
    if (existsSync(join(dir, "model.onnx")) && existsSync(join(dir, "card.json"))) return dir;
  }
  return undefined;
}

/** Publishes the demo model as the dev publisher through its institution's node. */
export const demoModelService: UpService = {
  name: "demo-model",
  async start(ctx) {
    const { options, stack } = ctx;
    if (options.noModel) return { stop: async () => {} };
    const dir = options.model ?? defaultModelDir(options.repoRoot);
    if (!dir)
      throw new Error(
        "no model to publish: training/models/demo (or smoke) has no model.onnx + card.json",
      );
    const publisher = stack.accounts.find((a) => a.role === "publisher");
    const node = stack.institutions.find((i) => i.name === publisher?.institution);
    if (!publisher || !node || !stack.chain)
      throw new Error("the demo model needs the publisher and its institution's node");
    const result = await publish({
      connection: await resolveConnection(
        {
          rpc: stack.chain.rpcUrl,
          key: publisher.privateKey,
          node: node.ipfs.gatewayUrl,
          deployment: stack.chain.deploymentFile,
          dataDir: options.dataDir,
          stack: "",
        },
        {},
      ),
      modelPath: join(dir, "model.onnx"),
      cardPath: join(dir, "card.json"),
      log: ctx.log.child({ proc: "publish" }),
    });
    const name = dir.split(/[\\/]/).pop() ?? "model";
    stack.models.push({
      id: result.modelId,
      name,
      cid: result.contentCid,
      keyringCid: result.keyringCid,
      sha256: result.sha256,
    });
    return {
      summary: [`model      #${result.modelId} ${name} (${result.contentCid})`],
      stop: async () => {},
    };
  },
};
