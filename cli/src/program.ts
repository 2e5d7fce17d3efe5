import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Argument, type Command, InvalidArgumentError, Option } from "commander";
import type { RoleName } from "./commands/member.ts";
import { type ConnectionFlags, DEFAULT_DATA_DIR, resolveConnection } from "./config.ts";
import { InvalidInputError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { collect, parsePort, parsePositiveInt } from "./main.ts";
import { printResult } from "./output.ts";
import { progressBar } from "./progress.ts";

// Command modules load when their command runs: `--help` and `node --no-follow` stay fast and
// do not load onnxruntime or the chain package.
const commands = {
  classify: () => import("./commands/classify.ts"),
  download: () => import("./commands/download.ts"),
  evaluate: () => import("./commands/evaluate.ts"),
  submitEvaluation: () => import("./commands/submitEvaluation.ts"),
  grant: () => import("./commands/grant.ts"),
  member: () => import("./commands/member.ts"),
  node: () => import("./commands/node.ts"),
  publish: () => import("./commands/publish.ts"),
  status: () => import("./commands/status.ts"),
  up: () => import("./commands/up.ts"),
  resolveModel: () => import("./models/resolveModel.ts"),
};
const ROLE_NAMES: RoleName[] = ["publisher", "auditor", "guardian"];

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Fault-injection hook for the crash test (NEUROLEDGER_TEST_HOLD_AFTER_ADD=<file>): after the IPFS
 * adds, write the CIDs to <file> and wait (at most a minute) to be killed before the chain tx.
 */
function holdAfterAdd(file: string | undefined) {
  if (!file) return undefined;
  return async (cids: { contentCid: string; keyringCid: string }) => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, JSON.stringify(cids));
    await new Promise((r) => setTimeout(r, 60_000));
    throw new Error("NEUROLEDGER_TEST_HOLD_AFTER_ADD: nobody killed this process");
  };
}

/**
 * Fault-injection hook for the kill -9 test (NEUROLEDGER_TEST_HOLD_DURING_DECRYPT=<file>): once
 * decrypted bytes reached the scratch file, write `{ pid, fd }` to <file> and wait (at most a
 * minute) to be killed.
 */
function holdDuringDecrypt(file: string | undefined) {
  if (!file) return undefined;
  return async (scratch: { pid: number; fd: number }) => {
    const { rename, writeFile } = await import("node:fs/promises");
    // Written whole, then renamed: the test reads it as soon as it exists.
    await writeFile(`${file}.tmp`, JSON.stringify(scratch));
    await rename(`${file}.tmp`, file);
    await new Promise((r) => setTimeout(r, 60_000));
    throw new Error("NEUROLEDGER_TEST_HOLD_DURING_DECRYPT: nobody killed this process");
  };
}

function parseId(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("not a numeric id");
  return BigInt(value);
}

/** Adds the connection flags every chain-facing command takes. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--rpc <url>", "chain JSON-RPC URL").env("NEUROLEDGER_RPC"))
    .addOption(
      new Option("--key <hex>", "private key of the account that signs").env("NEUROLEDGER_KEY"),
    )
    .option("--as <account>", "sign as a dev account of the stack (name or address)")
    .addOption(
      new Option("--stack <file>", "stack.json written by `neuroledger up`").env(
        "NEUROLEDGER_STACK",
      ),
    )
    .addOption(new Option("--node <url>", "institution node (gateway) URL").env("NEUROLEDGER_NODE"))
    .addOption(
      new Option("--deployment <file>", "chain/deployments/<chainId>.json").env(
        "NEUROLEDGER_DEPLOYMENT",
      ),
    )
    .addOption(new Option("--data-dir <dir>", "data directory").env("NEUROLEDGER_DATA_DIR"));
}

export function connectionFlags(opts: Record<string, unknown>): ConnectionFlags {
  const pick = (k: string) => (typeof opts[k] === "string" ? (opts[k] as string) : undefined);
  return {
    rpc: pick("rpc"),
    key: pick("key"),
    as: pick("as"),
    stack: pick("stack"),
    node: pick("node"),
    deployment: pick("deployment"),
    dataDir: pick("dataDir"),
  };
}

/** Declares every command; each action hands off to its function in `commands/`. */
export function registerCommands(program: Command, log: Logger): void {
  const connect = (opts: Record<string, unknown>) => resolveConnection(connectionFlags(opts));

  withConnectionOptions(
    program
      .command("node")
      .description("run an institution node: Helia, trustless gateway, pin follower and keeper")
      .requiredOption("--name <name>", "institution name (used in logs and node.json)")
      .option("--tcp-port <port>", "libp2p TCP port (0 = any free port)", parsePort, 0)
      .option("--ws-port <port>", "libp2p WebSocket port (0 = any free port)", parsePort, 0)
      .option(
        "--gateway-port <port>",
        "HTTP gateway + control API port (0 = any free port)",
        parsePort,
        0,
      )
      .option("--peer <multiaddr>", "peer to dial, ending in /p2p/<id> (repeatable)", collect, [])
      .option(
        "--allow-peer <peerId>",
        "another member institution's node that may connect (repeatable; --peer ids are allowed too)",
        collect,
        [],
      )
      .option(
        "--public-url <url>",
        "the gateway's URL as readers reach it (sign-in domain; default its own 127.0.0.1 URL)",
      )
      .option(
        "--fetch-timeout <ms>",
        "how long a gateway request waits for blocks",
        parsePositiveInt,
        30_000,
      )
      .option(
        "--poll <ms>",
        "how often the follower asks the chain for new blocks",
        parsePositiveInt,
        1000,
      )
      .option("--no-follow", "do not follow the chain (no pinning, no keeper): storage only"),
  ).action(async (opts) => {
    const follow = opts.follow && (opts.rpc || opts.stack || process.env.NEUROLEDGER_RPC);
    await (await commands.node()).nodeCommand({
      name: opts.name,
      dataDir: opts.dataDir ?? `${DEFAULT_DATA_DIR}/nodes/${opts.name}`,
      tcpPort: opts.tcpPort,
      wsPort: opts.wsPort,
      gatewayPort: opts.gatewayPort,
      peers: opts.peer,
      allowPeers: opts.allowPeer,
      publicUrl: opts.publicUrl,
      fetchTimeoutMs: opts.fetchTimeout,
      pollMs: opts.poll,
      follow: follow ? { ...connectionFlags(opts), dataDir: undefined } : undefined,
      log: log.child({ node: opts.name }),
    });
  });

  withConnectionOptions(
    program
      .command("publish")
      .description(
        "validate, encrypt, add + pin on the institution node, and register a model on chain",
      )
      .requiredOption("--model <file>", "model.onnx")
      .requiredOption("--card <file>", "card.json written with it")
      .option("--parent <id>", "parent model id (lineage)", parseId)
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    const bar = progressBar("encrypt");
    try {
      const result = await (await commands.publish()).publish({
        connection: await connect(opts),
        modelPath: opts.model,
        cardPath: opts.card,
        parentId: opts.parent,
        log,
        onProgress: bar.update,
        afterAdd: holdAfterAdd(process.env.NEUROLEDGER_TEST_HOLD_AFTER_ADD),
      });
      bar.stop();
      printResult(result, Boolean(opts.json));
    } finally {
      bar.stop();
    }
  });

  withConnectionOptions(
    program
      .command("download")
      .description(
        "check everything that can be checked, record the download on chain, then fetch, decrypt and verify a model; write it atomically",
      )
      .argument("<modelId>", "registry model id", parseId)
      .requiredOption("--out <file>", "where to write the ONNX model")
      .option(
        "--timeout <ms>",
        "how long to wait for the node, and for a keeper to wrap a newly registered key",
        parsePositiveInt,
        60_000,
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (modelId: bigint, opts) => {
    const bar = progressBar("decrypt");
    try {
      const result = await (await commands.download()).download({
        connection: await connect(opts),
        modelId,
        out: opts.out,
        timeoutMs: opts.timeout,
        log,
        onProgress: bar.update,
        afterFirstChunk: holdDuringDecrypt(process.env.NEUROLEDGER_TEST_HOLD_DURING_DECRYPT),
      });
      bar.stop();
      const { card, ...printed } = result;
      printResult(
        { ...printed, card: card ? `${card.name} ${card.version} (checked)` : null },
        Boolean(opts.json),
      );
    } finally {
      bar.stop();
    }
  });

  withConnectionOptions(
    program
      .command("evaluate")
      .description(
        "metrics of a model on a labelled folder <data>/<class>/<images> (as `training evaluate`), optionally one prediction per image as CSV",
      )
      .requiredOption(
        "--model <file|dir|modelId>",
        "model.onnx, a model folder, or a registry model id",
      )
      .requiredOption("--data <dir>", "labelled image folder")
      .option("--card <file>", "card.json (default: beside the model)")
      .option(
        "--map <[source:]folder=label>",
        "label of a class folder (repeatable); default by name: no/notumor/normal -> no, yes/tumor/glioma/meningioma/pituitary -> yes",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(
        "--predictions <out.csv>",
        "write one row per image: file,label,predicted,probability,peak_x,peak_y",
      )
      .option("--json", "print the metrics as one JSON line (the last line)")
      .option(
        "--submit",
        "record the metrics on chain as your institution's evaluation of the registry model (--model <id>); images never leave this machine",
      ),
  ).action(async (opts) => {
    if (opts.submit && !/^\d+$/.test(opts.model)) {
      throw new InvalidInputError(`--submit needs --model <registry model id>, got ${opts.model}`);
    }
    const model = await (await commands.resolveModel()).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
    const bar = progressBar("evaluate");
    const metrics = await (await commands.evaluate()).evaluate({
      model,
      dataDir: opts.data,
      predictionsOut: opts.predictions,
      mapping: opts.map,
      log,
      onProgress: bar.update,
    });
    bar.stop();
    const submitted = opts.submit
      ? await (await commands.submitEvaluation()).submitEvaluation(
          await connect(opts),
          BigInt(opts.model),
          metrics,
          Number(model.card.schema.split("/").pop()),
        )
      : undefined;
    // The printed metrics keep `training evaluate`'s keys; the set's fingerprint goes on chain only.
    const { fingerprint: _fingerprint, ...printed } = metrics;
    if (opts.json) printResult(submitted ? { ...printed, submitted } : printed, true);
    else {
      const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));
      const lines = (["accuracy", "precision", "recall", "f1", "auc"] as const).map(
        (k) => `${k.padStart(9)}: ${f(metrics[k])}`,
      );
      lines.push(`        n: ${metrics.n} (unreadable ${metrics.unreadable})`);
      lines.push(
        `confusion: ${JSON.stringify(metrics.confusion)} (rows true ${JSON.stringify(metrics.labels)}, columns predicted)`,
      );
      if (opts.predictions) lines.push(`predictions: ${opts.predictions}`);
      if (submitted) {
        const s = submitted.score;
        lines.push(
          `submitted: tx ${submitted.transaction} (block ${submitted.blockNumber}); score F1 ${s.f1.toFixed(4)} ${s.verified ? `verified at ${s.independentEvaluations} institution(s)` : "unverified"}, rank ${submitted.rank === null ? "not ranked" : submitted.rank + 1}`,
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  });

  withConnectionOptions(
    program
      .command("classify")
      .description(
        "classify one MRI image: label, tumor probability, heatmap peak, out-of-distribution score (warns when the image is unlike the training data), optional heatmap PNG",
      )
      .requiredOption(
        "--model <file|dir|modelId>",
        "model.onnx, a model folder, or a registry model id",
      )
      .requiredOption("--image <file>", "PNG or JPEG image")
      .option("--card <file>", "card.json (default: beside the model)")
      .option(
        "--heatmap <out.png>",
        "write the image with the heatmap (class activation map of the tumor class) blended over it",
      )
      .option("--json", "print the result as one JSON line"),
  ).action(async (opts) => {
    const model = await (await commands.resolveModel()).resolveModel({
      model: opts.model,
      cardPath: opts.card,
      connection: () => connect(opts),
      log,
    });
    printResult(
      await (await commands.classify()).classify({
        model,
        imagePath: opts.image,
        heatmapOut: opts.heatmap,
        log,
      }),
      Boolean(opts.json),
    );
  });

  const member = program
    .command("member")
    .description("consortium governance: proposals, votes, members");
  const proposeCmd = member
    .command("propose")
    .description("propose an admission, a removal, or a role change");
  withConnectionOptions(
    proposeCmd
      .command("admit")
      .description("propose admitting an institution")
      .argument("<account>", "the institution's account")
      .requiredOption("--name <name>", "institution name")
      .option("--metadata <uri>", "metadata URI", "")
      .option("--json", "print the result as one JSON line"),
  ).action(async (account: string, opts) => {
    const action = {
      kind: "admit" as const,
      account: (await commands.member()).parseAddress(account),
      name: opts.name,
      metadataURI: opts.metadata,
    };
    printResult(
      await (await commands.member()).propose(await connect(opts), action),
      Boolean(opts.json),
    );
  });
  withConnectionOptions(
    proposeCmd
      .command("remove")
      .description("propose removing an institution")
      .argument("<institutionId>", "institution (token) id", parseId)
      .option("--json", "print the result as one JSON line"),
  ).action(async (institutionId: bigint, opts) => {
    printResult(
      await (await commands.member()).propose(await connect(opts), {
        kind: "remove",
        institutionId,
      }),
      Boolean(opts.json),
    );
  });
  for (const kind of ["grant-role", "revoke-role"] as const) {
    withConnectionOptions(
      proposeCmd
        .command(kind)
        .description(`propose to ${kind === "grant-role" ? "grant" : "revoke"} a registry role`)
        .addArgument(new Argument("<role>", "role").choices(ROLE_NAMES))
        .argument("<account>", "account")
        .option("--json", "print the result as one JSON line"),
    ).action(async (role: RoleName, account: string, opts) => {
      printResult(
        await (await commands.member()).propose(await connect(opts), {
          kind,
          role,
          account: (await commands.member()).parseAddress(account),
        }),
        Boolean(opts.json),
      );
    });
  }
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
      await (await commands.member()).vote(await connect(opts), proposalId, support),
      Boolean(opts.json),
    );
  });
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
        await (await commands.member()).queueOrExecute(await connect(opts), proposalId, step),
        Boolean(opts.json),
      );
    });
  }
  withConnectionOptions(
    member
      .command("list")
      .description("member institutions and proposals")
      .option("--json", "print as one JSON line"),
  ).action(async (opts) => {
    printResult(
      await (await commands.member()).listMembers(await connect(opts)),
      Boolean(opts.json),
    );
  });

  withConnectionOptions(
    program
      .command("grant")
      .description("grant (or revoke) a patient access to one model")
      .argument("<patient>", "patient account")
      .argument("<modelId>", "model id", parseId)
      // Parsed by the command (parseGrantDays), so every bad value gets the sentence naming the limit.
      .option("--days <n>", "whole days of access, 1 to 3650", "30")
      .option("--revoke", "revoke the grant instead")
      .option("--json", "print the result as one JSON line"),
  ).action(async (patient: string, modelId: bigint, opts) => {
    const result = await (await commands.grant()).grant({
      connection: await connect(opts),
      patient: (await commands.member()).parseAddress(patient, "patient"),
      modelId,
      days: opts.days,
      revoke: opts.revoke,
    });
    printResult(result, Boolean(opts.json));
  });

  withConnectionOptions(
    program
      .command("status")
      .description("consortium, latest model, top ten, node")
      .option("--json", "print as one JSON line"),
  ).action(async (opts) => {
    printResult(await (await commands.status()).status(await connect(opts)), Boolean(opts.json));
  });

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
      "--skip <service>",
      "do not start this service (repeatable), e.g. --skip web",
      collect,
      [],
    )
    .action(async (opts) => {
      await (await commands.up()).up({
        options: {
          repoRoot: REPO_ROOT,
          dataDir: resolve(opts.dataDir),
          chainPort: opts.chainPort,
          chainId: opts.chainId,
          blockTime: opts.blockTime,
          gatewayPortBase: opts.gatewayPort,
          model: typeof opts.model === "string" ? resolve(opts.model) : undefined,
          noModel: opts.model === false,
        },
        services: (await import("./up/services.ts")).upServices.filter(
          (s) => !opts.skip.includes(s.name),
        ),
        log,
      });
    });
}
