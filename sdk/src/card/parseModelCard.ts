import { z } from "zod";
import { InvalidModelCardError } from "../errors.ts";
import { jsonValue } from "../jsonInput.ts";
import { type ModelCard, modelCardSchema } from "./schema.ts";

/**
 * Validates a model card (a JSON string, its bytes, or a parsed value) and returns it typed.
 * Throws {@link InvalidModelCardError} listing every problem with its path.
 *
 * @example
 * const card = parseModelCard(await readFile("training/models/demo/card.json", "utf8"));
 */
export function parseModelCard(input: string | Uint8Array | unknown): ModelCard {
  const value = jsonValue(
    input,
    (cause) => new InvalidModelCardError("The model card is not valid JSON.", { cause }),
  );
  const result = modelCardSchema.safeParse(value);
  if (!result.success) {
    throw new InvalidModelCardError(
      "The model card does not match the neuroledger.model-card/2 (or /1) schema.",
      {
        details: z.prettifyError(result.error),
        hints: [
          "Write cards with `pnpm -C training train`; the schema is training/card.schema.json.",
        ],
        cause: result.error,
      },
    );
  }
  return result.data;
}

/** A metric fraction as the registry stores it: basis points, round(x * 10000). */
export function toBasisPoints(fraction: number): number {
  return Math.round(fraction * 10000);
}
