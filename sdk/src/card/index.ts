/** `@neuroledger/sdk/card`: the model card schema and its metrics (browser and Node). */
export { cardHash } from "./cardHash.ts";
export {
  binaryMetrics,
  type EvaluationSummary,
  evaluationSummary,
  multiclassMetrics,
  rocAuc,
} from "./metrics.ts";
export { parseModelCard, toBasisPoints } from "./parseModelCard.ts";
export {
  type ClassMetrics,
  classMetricsSchema,
  MAX_LABELS,
  MODEL_CARD_SCHEMA,
  MODEL_TASK,
  type ModelCard,
  type ModelMetrics,
  metricsSchema,
  modelCardSchema,
  type Preprocessing,
  preprocessingSchema,
} from "./schema.ts";
export {
  BINARY_TASK,
  MODEL_TASKS,
  type ModelTask,
  TASKS,
  type TaskDefinition,
  TYPE_TASK,
  taskOfLabels,
  UNTYPED_TUMOR,
} from "./tasks.ts";
export { weightsHash } from "./weightsHash.ts";
