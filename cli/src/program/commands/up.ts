import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DATA_DIR } from "../../config.ts";
import { collect, parsePort, parsePositiveInt } from "../parsers.ts";
import type { CommandDeclaration } from "../types.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

/** `neuroledger up`: the one-machine stack. */
export const declareUp: CommandDeclaration = (program, { log }) => {
  program
    .command("up")
    .description(
      "start the one-machine stack: chain, contracts, dev consortium, 3 institution nodes, demo model",
    )
    .option("--data-dir <dir>", "where everything is kept", DEFAULT_DATA_DIR)
    .option("--chain-port <port>", "chain RPC port (0 = any free port)", parsePort, 8545)
    .option("--chain-id <id>", "chain id", parsePositiveInt, 31337)
    .option("--block-time <s>", "seconds per block", parsePositiveInt, 1)
    .option(
      "--gateway-port <port>",
      "first institution gateway port (0 = any free ports)",
      parsePort,
      5101,
    )
    .option("--model <dir>", "model folder to publish (default training/models/demo)")
    .option("--no-model", "publish no model")
    .option(
      "--evaluation-data <institution=dir>",
      "a private labelled folder <dir>/<class>/<images> for one institution's node to evaluate models on (repeatable; institution by name, e.g. cedar=../shared/data/...)",
      collect,
      [] as string[],
    )
    .option(
      "--no-evaluation",
      "no evaluations by the nodes (default: each institution evaluates on its share of the bundled samples)",
    )
    .option(
      "--skip <service>",
      "do not start this service (repeatable), e.g. --skip web",
      collect,
      [],
    )
    .action(async (opts) => {
      const { upServices } = await import("../../up/services.ts");
      const { parseEvaluationData } = await import("../../up/evaluationSets.ts");
      const folders = parseEvaluationData(opts.evaluationData);
      await (await import("../../commands/up.ts")).up({
        options: {
          repoRoot: REPO_ROOT,
          dataDir: resolve(opts.dataDir),
          chainPort: opts.chainPort,
          chainId: opts.chainId,
          blockTime: opts.blockTime,
          gatewayPortBase: opts.gatewayPort,
          model: typeof opts.model === "string" ? resolve(opts.model) : undefined,
          noModel: opts.model === false,
          evaluation:
            opts.evaluation === false && Object.keys(folders).length === 0
              ? undefined
              : { folders, bundled: opts.evaluation !== false },
        },
        services: upServices.filter((s) => !opts.skip.includes(s.name)),
        log,
      });
    });
};
