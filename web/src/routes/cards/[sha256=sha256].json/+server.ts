import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { error } from "@sveltejs/kit";
import { readServerConfig } from "#lib/server/config.ts";

/**
 * Model cards by the sha256 of their ONNX file. The registry stores no card, so the institution
 * serving this app keeps them (the publisher's `cards/` folder); the page checks that the card
 * names the model's on-chain sha256 before it uses it.
 */
export async function GET({ params }) {
  const { cardsDir } = readServerConfig();
  if (!cardsDir) error(404, "This server keeps no model cards (NEUROLEDGER_CARDS_DIR).");
  const sha = params.sha256.replace(/^0x/, "").toLowerCase();
  const text = await readFile(join(cardsDir, `${sha}.json`), "utf8").catch(() => null);
  if (text === null) error(404, `No card for model ${sha} on this server.`);
  return new Response(text, { headers: { "content-type": "application/json" } });
}
