import { type ModelCard, parseModelCard } from "@neuroledger/sdk/card";
import { sameHash } from "./sha256.ts";

/**
 * The card of a registry model, from the institution server (`/cards/<sha256>.json`), checked
 * to describe exactly the model with that on-chain sha256. Null when the server has none.
 */
export async function fetchCard(fetcher: typeof fetch, sha256: string): Promise<ModelCard | null> {
  const sha = sha256.replace(/^0x/, "").toLowerCase();
  const response = await fetcher(`/cards/${sha}.json`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`The model card could not be loaded (${response.status}).`);
  const card = parseModelCard(await response.text());
  if (!sameHash(card.onnx.sha256, sha)) {
    throw new Error(`The card served for ${sha} describes another model (${card.onnx.sha256}).`);
  }
  return card;
}
