/** `@neuroledger/sdk/card`: the model card schema and its metrics (browser and Node). */
export { cardHash } from "./cardHash.ts";
export { binaryMetrics, rocAuc } from "./metrics.ts";
export { parseModelCard, toBasisPoints } from "./parseModelCard.ts";
export {
  MODEL_CARD_SCHEMA,
  MODEL_TASK,
  type ModelCard,
  type ModelMetrics,
  metricsSchema,
  modelCardSchema,
  type Preprocessing,
  preprocessingSchema,
} from "./schema.ts";
export { weightsHash } from "./weightsHash.ts";
