/** `@neuroledger/sdk/card`: the model card schema (browser and Node). */
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
