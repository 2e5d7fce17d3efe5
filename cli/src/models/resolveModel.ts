import { existsSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ModelCard, parseModelCard } from "@neuroledger/sdk/card";
import { download } from "../commands/download.ts";
import type { Connection } from "../config.ts";
import { IntegrityError, InvalidInputError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Progress } from "../progress.ts";
import { fetchKeyringCard } from "./keyringCard.ts";
import { sha256File } from "./validateModel.ts";

export interface ResolvedModel {
  modelPath: string;
  card: ModelCard;
  /** The registry model id, when `--model` named one (the file was downloaded and verified). */
  modelId?: bigint;
}

/**
 * Turns `--model <file|dir|modelId>` into a local ONNX file and its card:
 * - a directory: `<dir>/model.onnx` and `<dir>/card.json` (what training/ writes);
 * - a file: it, with `--card` or the `card.json` beside it;
 * - a model id: downloaded (and verified) into `<data dir>/models/<id>/`, once; the card from
 *   `--card` or from the model's keyring on IPFS (fetched through the node and checked against the
 *   on-chain sha256), so any institution's machine can use it.
 */
export async function resolveModel(params: {
  model: string;
  cardPath?: string;
  connection?: () => Promise<Connection>;
  log?: Logger;
  onProgress?: Progress;
}): Promise<ResolvedModel> {
  const { model } = params;
  if (/^\d+$/.test(model) && !existsSync(model)) return fromChain(BigInt(model), params);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(model);
  } catch {
    throw new InvalidInputError(`--model ${model}: no such file or directory, and not a model id`);
  }
  if (info.isDirectory()) {
    return {
      modelPath: join(model, "model.onnx"),
      card: await readCard(params.cardPath ?? join(model, "card.json")),
    };
  }
  return {
    modelPath: model,
    card: await readCard(params.cardPath ?? join(dirname(model), "card.json")),
  };
}

async function fromChain(
  id: bigint,
  params: {
    cardPath?: string;
    connection?: () => Promise<Connection>;
    log?: Logger;
    onProgress?: Progress;
  },
): Promise<ResolvedModel> {
  if (!params.connection) throw new UsageError("a model id needs a chain connection");
  const connection = await params.connection();
  const dir = join(connection.dataDir, "models", id.toString());
  const modelPath = join(dir, "model.onnx");
  let fromKeyring: ModelCard | undefined;
  if (!existsSync(modelPath)) {
    await mkdir(dir, { recursive: true });
    ({ card: fromKeyring } = await download({
      connection,
      modelId: id,
      out: modelPath,
      log: params.log,
      onProgress: params.onProgress,
    }));
  } else if (!params.cardPath) {
    fromKeyring = await fetchKeyringCard(connection, id);
  }
  const card = params.cardPath
    ? await readCard(params.cardPath, `model ${id}`)
    : (fromKeyring ?? noCardInKeyring(id));
  const sha = (await sha256File(modelPath)).slice(2);
  if (card.onnx.sha256 !== sha) {
    throw new IntegrityError(
      `the card's onnx.sha256 ${card.onnx.sha256} is not model ${id}'s ${sha}`,
    );
  }
  return { modelPath, card, modelId: id };
}

function noCardInKeyring(id: bigint): never {
  throw new InvalidInputError(`model ${id}'s keyring carries no model card`, {
    hints: [
      "It was published before cards travelled in the keyring: pass --card <card.json>, or re-publish it.",
    ],
  });
}

async function readCard(path: string, what = "the model"): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new InvalidInputError(`no card for ${what} at ${path}`, {
      hints: ["Pass --card <card.json> (training/ writes it beside model.onnx)."],
    });
  }
  try {
    return parseModelCard(text);
  } catch (err) {
    throw new InvalidInputError(`${path} is not a valid model card: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
