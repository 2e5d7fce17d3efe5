import type { ModelCard } from "../card/schema.ts";
import { InvalidModelCardError } from "../errors.ts";

/** The registry keeps the test-set size in a uint32. */
const MAX_TEST_SET_SIZE = 2 ** 32 - 1;

/**
 * Checks what the registry needs of a (schema-valid) card, so a publisher can refuse it before
 * anything is encrypted, added or sent: a 64-hex-digit sha256, and test metrics measured on at
 * least one image (a card with `metrics.test.n = 0` claims figures nobody measured) and on no more
 * than the registry's uint32 holds. Throws an {@link InvalidModelCardError} naming the field.
 *
 * @example
 * checkPublishableCard(parseModelCard(json)); // then encrypt, add, publishParamsFromCard(...)
 */
export function checkPublishableCard(card: ModelCard): void {
  if (!/^[0-9a-f]{64}$/.test(card.onnx.sha256)) {
    throw new InvalidModelCardError(
      `The card's onnx.sha256 is not 64 hex digits: ${card.onnx.sha256}.`,
    );
  }
  const n = card.metrics.test.n;
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidModelCardError(
      `The card's test metrics cover metrics.test.n = ${n} images: a model is published with a test set of at least one image.`,
      { hints: ["Evaluate the model on its held-out test split and put that count in the card."] },
    );
  }
  if (n > MAX_TEST_SET_SIZE) {
    throw new InvalidModelCardError(
      `The card's metrics.test.n = ${n} is more than the registry holds (${MAX_TEST_SET_SIZE}).`,
    );
  }
}
