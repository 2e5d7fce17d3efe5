/**
 * The model card `card.json`: a zod mirror of `training/card.schema.json` (docs/interfaces.md
 * section 4). Schema id `neuroledger.model-card/2` (current) or `/1` (older models, still read).
 * Validated at publish and after download. A test keeps the two in step, key by key.
 */
import { z } from "zod";
import { BINARY_TASK, MODEL_TASKS, TASKS } from "./tasks.ts";

/** The schema id of the cards training writes now. */
export const MODEL_CARD_SCHEMA = "neuroledger.model-card/2";
/** The schema id of older cards (preprocessing version 1, no `cam` output), still accepted. */
export const MODEL_CARD_SCHEMA_V1 = "neuroledger.model-card/1";
/** The task of card v1 models (the only one before issue 15). */
export const MODEL_TASK = BINARY_TASK;
/** A card v2 lists 2..16 labels (docs/interfaces.md section 14). */
export const MAX_LABELS = 16;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lower-case hex digits");
const fraction = z.number().min(0).max(1);
const count = z.int().min(0);
const shape3 = z.array(z.int().min(1)).length(3);
const rgb = z.array(z.number()).length(3);
const tensor = z.strictObject({
  name: z.string(),
  dtype: z.literal("float32"),
  shape: z.array(z.union([z.int().min(1), z.string()])).min(1),
});

/** The figures every metrics object has (card v1 and v2, every task). */
const summaryFigures = {
  accuracy: fraction,
  precision: fraction,
  recall: fraction,
  f1: fraction,
  /** null when the set lacks a class. */
  auc: fraction.nullable(),
  n: count,
};

/** Card v1 metrics: binary, a 2 x 2 confusion matrix. */
export const metricsV1Schema = z.strictObject({
  ...summaryFigures,
  /** Rows = true label, columns = predicted, both in `labels` order. */
  confusion: z.array(z.array(count).length(2)).length(2),
});

/** One label's figures, that label against all others (docs/interfaces.md section 14). */
export const classMetricsSchema = z.strictObject({
  precision: fraction,
  recall: fraction,
  f1: fraction,
  /** One-vs-rest AUC; null when the set lacks this label or holds nothing else. */
  auc: fraction.nullable(),
  /** Images whose true label this is. */
  support: count,
});

/**
 * Card v2 metrics for K labels: for K > 2 `precision`, `recall`, `f1`, `auc` are macro averages
 * over the labels, and `specificity` (macro one-vs-rest) and `perClass` are required (checked
 * against the card's labels by the card schema). Binary cards may carry them too.
 */
export const metricsSchema = z.strictObject({
  ...summaryFigures,
  /** K x K: rows = true label, columns = predicted, both in `labels` order. */
  confusion: z.array(z.array(count).min(2).max(MAX_LABELS)).min(2).max(MAX_LABELS),
  specificity: fraction.optional(),
  perClass: z.record(z.string(), classMetricsSchema).optional(),
});

const splitSide = z.strictObject({ n: count, groups: count, classes: z.record(z.string(), count) });

const decodeSchema = z.strictObject({
  colorSpace: z.literal("RGB"),
  bitDepth: z.literal(8),
  grayscale: z.literal("replicate"),
  palette: z.literal("expand"),
  alpha: z.literal("drop"),
  exifOrientation: z.literal("ignore"),
});

/** Preprocessing version 1 (card v1): bilinear resize of the whole image, per-channel mean/std. */
export const preprocessingV1Schema = z.strictObject({
  decode: decodeSchema,
  resize: z.strictObject({
    width: z.int().min(1),
    height: z.int().min(1),
    method: z.literal("bilinear"),
    alignCorners: z.literal(false),
    antialias: z.literal(false),
    keepAspect: z.literal(false),
    edge: z.literal("clamp"),
    rounding: z.literal("none"),
    reference: z.string(),
  }),
  scale: z.literal(255),
  mean: rgb,
  std: rgb.refine((std) => std.every((s) => s > 0), "every std must be > 0"),
  formula: z.string(),
  channelOrder: z.literal("RGB"),
  layout: z.literal("NCHW"),
  dtype: z.literal("float32"),
});

/** The fields cards v1 and v2 share (v2 replaces preprocessing, metrics and data, and adds more). */
const cardV1Shape = {
  schema: z.literal(MODEL_CARD_SCHEMA_V1),
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  version: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/),
  task: z.literal(MODEL_TASK),
  labels: z.array(z.string().min(1)).length(2),
  positiveLabel: z.string(),
  architecture: z.strictObject({
    name: z.string(),
    description: z.string(),
    convChannels: z.array(z.int().min(1)).min(1),
    kernelSize: z.int().min(1),
    padding: z.int().min(0),
    batchNorm: z.boolean(),
    pool: z.string(),
    dropout: z.number().min(0).max(1),
    inputShape: shape3,
    featuresShape: shape3,
    parameters: z.int().min(1),
  }),
  hyperparameters: z.strictObject({
    optimizer: z.string(),
    learningRate: z.number().gt(0),
    weightDecay: z.number().min(0),
    batchSize: z.int().min(1),
    maxEpochs: z.int().min(1),
    epochsRun: z.int().min(1),
    bestEpoch: z.int().min(1),
    earlyStoppingPatience: z.int().min(1),
    earlyStoppingMetric: z.string(),
    loss: z.string(),
    seed: z.int(),
    threads: z.int().min(1),
    augmentation: z.strictObject({
      hflip: fraction,
      vflip: fraction,
      rotationDegrees: z.number().min(0),
      scale: z.number().min(0),
      brightness: z.number().min(0),
      contrast: z.number().min(0),
    }),
  }),
  preprocessing: preprocessingV1Schema,
  onnx: z.strictObject({
    file: z.string(),
    sha256: sha256Hex,
    opset: z.int().min(1),
    inputs: z.array(tensor).min(1),
    outputs: z.array(tensor).min(1),
  }),
  metrics: z.strictObject({ test: metricsV1Schema, validation: metricsV1Schema }),
  curves: z.strictObject({
    epoch: z.array(z.int().min(1)),
    trainLoss: z.array(z.number()),
    valLoss: z.array(z.number()),
    trainAccuracy: z.array(fraction),
    valAccuracy: z.array(fraction),
    valF1: z.array(fraction),
  }),
  data: z.strictObject({
    fingerprint: sha256Hex,
    files: count,
    unreadable: count,
    classes: z.record(z.string(), count),
    // The JSON Schema leaves `dedup` open: extra keys are allowed and kept.
    dedup: z.looseObject({
      method: z.string(),
      description: z.string(),
      groups: z.int().min(1),
      duplicates: count.optional(),
      largestGroup: z.int().min(1).optional(),
      mixedLabelGroups: count.optional(),
    }),
    split: z.strictObject({
      method: z.string(),
      seed: z.int(),
      fractions: z.strictObject({ train: z.number(), validation: z.number(), test: z.number() }),
      train: splitSide,
      validation: splitSide,
      test: splitSide,
    }),
  }),
  code: z.strictObject({ version: z.string(), dirty: z.boolean() }),
  createdAt: z
    .string()
    .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/),
};

/** Rules JSON Schema cannot say; the model's outputs are read through them. */
function checkCard(
  card: {
    labels: string[];
    positiveLabel: string | null;
    curves: Record<string, unknown[]>;
  },
  context: z.RefinementCtx,
): void {
  if (new Set(card.labels).size !== card.labels.length) {
    context.addIssue({ code: "custom", path: ["labels"], message: "labels must be unique" });
  }
  if (card.positiveLabel === null) {
    if (card.labels.length === 2) {
      context.addIssue({
        code: "custom",
        path: ["positiveLabel"],
        message: "a binary card (2 labels) needs a positiveLabel; null is for 3 or more labels",
      });
    }
  } else if (!card.labels.includes(card.positiveLabel)) {
    context.addIssue({
      code: "custom",
      path: ["positiveLabel"],
      message: `positiveLabel "${card.positiveLabel}" is not one of the labels`,
    });
  }
  const lengths = Object.values(card.curves).map((values) => values.length);
  if (lengths.some((length) => length !== lengths[0])) {
    context.addIssue({
      code: "custom",
      path: ["curves"],
      message: "all curves must have one value per epoch",
    });
  }
}

type CardMetrics = z.infer<typeof metricsSchema>;

/** The task fixes the labels and the positive label (docs/interfaces.md section 14). */
function checkTask(
  card: { task: keyof typeof TASKS; labels: string[]; positiveLabel: string | null },
  context: z.RefinementCtx,
): void {
  const task = TASKS[card.task];
  if (card.labels.join("\n") !== task.labels.join("\n")) {
    context.addIssue({
      code: "custom",
      path: ["labels"],
      message: `task ${card.task} has the labels ${JSON.stringify(task.labels)}, got ${JSON.stringify(card.labels)}`,
    });
  }
  if (card.positiveLabel !== task.positiveLabel) {
    context.addIssue({
      code: "custom",
      path: ["positiveLabel"],
      message: `task ${card.task} has the positiveLabel ${JSON.stringify(task.positiveLabel)}, got ${JSON.stringify(card.positiveLabel)}`,
    });
  }
}

/**
 * One metrics object against the card's K labels: a K x K confusion matrix that counts `n`
 * images, `perClass` for exactly the labels with each `support` its confusion row, and (K > 2)
 * the macro `specificity` and `perClass` present.
 */
function checkMetrics(
  metrics: CardMetrics,
  labels: readonly string[],
  path: (string | number)[],
  context: z.RefinementCtx,
): void {
  const k = labels.length;
  const issue = (where: (string | number)[], message: string) =>
    context.addIssue({ code: "custom", path: [...path, ...where], message });
  if (metrics.confusion.length !== k || metrics.confusion.some((row) => row.length !== k)) {
    const shape = metrics.confusion.map((row) => row.length).join(", ");
    issue(["confusion"], `confusion must be ${k} x ${k} for ${k} labels, got rows of [${shape}]`);
    return;
  }
  const rows = metrics.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const total = rows.reduce((a, b) => a + b, 0);
  if (total !== metrics.n)
    issue(["n"], `n is ${metrics.n} but the confusion matrix counts ${total}`);
  if (k > 2) {
    if (metrics.specificity === undefined)
      issue(["specificity"], `the macro specificity is required for ${k} labels`);
    if (metrics.perClass === undefined)
      issue(["perClass"], `per-class metrics are required for ${k} labels`);
  }
  if (metrics.perClass === undefined) return;
  const keys = Object.keys(metrics.perClass);
  if (keys.length !== k || !labels.every((label) => Object.hasOwn(metrics.perClass ?? {}, label))) {
    issue(
      ["perClass"],
      `perClass needs exactly the labels ${JSON.stringify(labels)}, got ${JSON.stringify(keys)}`,
    );
    return;
  }
  labels.forEach((label, i) => {
    const support = metrics.perClass?.[label]?.support;
    if (support !== rows[i])
      issue(
        ["perClass", label, "support"],
        `support of "${label}" is ${support} but its confusion row counts ${rows[i]}`,
      );
  });
}

/** Every metrics object of a v2 card, with its path. */
function cardMetrics(metrics: {
  test: CardMetrics;
  validation: CardMetrics;
  bySource: Record<string, CardMetrics>;
  leaveOneSourceOut: { metrics: CardMetrics | null }[];
}): [(string | number)[], CardMetrics][] {
  return [
    [["metrics", "test"], metrics.test],
    [["metrics", "validation"], metrics.validation],
    ...Object.entries(metrics.bySource).map(([source, m]): [(string | number)[], CardMetrics] => [
      ["metrics", "bySource", source],
      m,
    ]),
    ...metrics.leaveOneSourceOut.flatMap((entry, i): [(string | number)[], CardMetrics][] =>
      entry.metrics ? [[["metrics", "leaveOneSourceOut", i, "metrics"], entry.metrics]] : [],
    ),
  ];
}

/** Card v1 (`neuroledger.model-card/1`). */
export const modelCardV1Schema = z.strictObject(cardV1Shape).superRefine(checkCard);

/** Preprocessing version 2 (card v2): head crop, centred square, area resize, per-image standardisation. */
export const preprocessingV2Schema = z
  .strictObject({
    version: z.literal(2),
    decode: decodeSchema,
    grey: z.literal("mean-rgb"),
    crop: z.strictObject({
      method: z.literal("foreground-bbox"),
      foreground: z.literal("10 * (R+G+B) > max(R+G+B)"),
      // The readers implement exactly this fraction (docs/interfaces.md section 2 step 4).
      minRowFraction: z.literal(0.01),
    }),
    pad: z.literal("square-centred-zeros"),
    resize: z.strictObject({
      width: z.int().min(8),
      height: z.int().min(8),
      method: z.literal("area"),
      reference: z.literal("torch.nn.functional.adaptive_avg_pool2d"),
    }),
    normalize: z.strictObject({
      method: z.literal("head-standardize"),
      headThreshold: z.literal("v > max(R+G+B) / 30"),
      clip: z.number().gt(0),
    }),
    channelOrder: z.literal("RGB"),
    layout: z.literal("NCHW"),
    dtype: z.literal("float32"),
  })
  .refine((p) => p.resize.width === p.resize.height, {
    path: ["resize"],
    message: "version 2 resizes to a square: width must equal height",
  });

// The JSON Schema leaves sources open: extra keys are allowed and kept.
const sourceSchema = z.looseObject({
  name: z.string().min(1),
  fingerprint: sha256Hex,
  files: count,
  classes: z.record(z.string(), count),
  mapping: z.record(z.string(), z.string()),
});

const leaveOneSourceOutSchema = z.strictObject({
  heldOut: z.string().min(1),
  trainedOn: z.array(z.string().min(1)),
  /** null when the source cannot be held out (`note` says why). */
  metrics: metricsSchema.nullable(),
  sensitivity: fraction.nullable(),
  /** null where the held-out source has one class. */
  specificity: fraction.nullable(),
  note: z.string(),
});

/** What the out-of-distribution score needs (docs/interfaces.md section 1). */
export const oodSchema = z
  .strictObject({
    /**
     * `gap-cosine-or-mahalanobis` (current cards): the cosine distance to the nearest prototype and
     * the full-covariance Mahalanobis score, each scaled; `gap-mahalanobis`: full covariance alone
     * (earlier cards); `gap-diagonal-mahalanobis`: the first cards.
     */
    method: z.enum(["gap-cosine-or-mahalanobis", "gap-mahalanobis", "gap-diagonal-mahalanobis"]),
    mean: z.array(z.number()).min(1),
    var: z.array(z.number().gt(0)).min(1),
    /** C x C, row-major: inverse of (covariance + ridge) of the training images' pooled features. */
    precision: z.array(z.array(z.number()).min(1)).min(1).optional(),
    /** M x C unit vectors: mean directions of clusters of >= `minMembers` training images' pooled features. */
    /** At most 1024 (training writes at most 64): every image is compared with each, in the browser too. */
    prototypes: z.array(z.array(z.number()).min(1)).min(1).max(1024).optional(),
    minMembers: z.number().int().min(1).optional(),
    /** The `percentile`-th percentile of the validation images' cosine distances (which lie in [0, 2]). */
    cosineScale: z.number().gt(0).max(2).optional(),
    /** The `percentile`-th percentile of the validation images' Mahalanobis scores. */
    mahalanobisScale: z.number().gt(0).optional(),
    threshold: z.number().min(0),
    percentile: z.number().min(0).max(100),
    heldOutAuroc: fraction.nullable(),
    /**
     * The in-source validation images' scores by stratum (`"<source>/<label>"`), each ascending:
     * the site check's reference (a set is ranked against each; at most 100,000 in all; one
     * stratum of at least 100, below which the test's normal approximation misleads). The card's
     * threshold must be their `percentile`-th percentile (checked below), so the check cannot be
     * quieted alone.
     */
    validationScores: z
      .record(
        z.string().min(1).max(200),
        z
          .array(z.number().min(0))
          .min(1)
          .refine((s) => s.every((value, i) => i === 0 || (s[i - 1] as number) <= value), {
            message: "each stratum of ood.validationScores must be in ascending order",
          }),
      )
      .refine((strata) => Object.keys(strata).length <= 64, {
        message: "ood.validationScores has at most 64 strata",
      })
      .refine((strata) => allScores(strata).length <= 100_000, {
        message: "ood.validationScores holds at most 100,000 scores in all",
      })
      .refine((strata) => Object.values(strata).some((s) => s.length >= 100), {
        message: "ood.validationScores needs a stratum of at least 100 scores",
      })
      .optional(),
  })
  .refine((ood) => ood.mean.length === ood.var.length, {
    path: ["var"],
    message: "ood.mean and ood.var need one value per feature channel",
  })
  .superRefine((ood, ctx) => {
    if (!ood.validationScores) return;
    const scores = allScores(ood.validationScores).sort((a, b) => a - b);
    // Lists thinned to the cap (training keeps evenly spaced order statistics) may shift the percentile.
    if (scores.length >= 100_000) return;
    const want = linearPercentile(scores, ood.percentile);
    if (!(Math.abs(ood.threshold - want) <= 1e-9 * Math.max(1, Math.abs(want))))
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `ood.threshold ${ood.threshold} is not the ${ood.percentile}th percentile of ood.validationScores (${want})`,
      });
  })
  .refine(
    (ood) =>
      ood.method === "gap-diagonal-mahalanobis" ||
      (ood.precision?.length === ood.mean.length &&
        ood.precision.every((row) => row.length === ood.mean.length)),
    {
      path: ["precision"],
      message:
        "ood.method gap-mahalanobis or gap-cosine-or-mahalanobis needs ood.precision, C x C for C = the length of ood.mean",
    },
  )
  .superRefine((ood, ctx) => {
    if (ood.method !== "gap-cosine-or-mahalanobis") return;
    const need = (key: "minMembers" | "cosineScale" | "mahalanobisScale" | "prototypes") => {
      if (ood[key] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `ood.method gap-cosine-or-mahalanobis needs ood.${key}`,
        });
    };
    need("minMembers");
    need("cosineScale");
    need("mahalanobisScale");
    need("prototypes");
    // Unit length, as training writes them: a zero or huge prototype would flag every image (NaN
    // or 1 - a tiny cosine) without saying why.
    ood.prototypes?.forEach((row, m) => {
      const length = Math.hypot(...row);
      if (row.length !== ood.mean.length || !(Math.abs(length - 1) <= 1e-6))
        ctx.addIssue({
          code: "custom",
          path: ["prototypes", m],
          message: `ood.prototypes[${m}] must be a unit vector of ${ood.mean.length} values (one per feature channel); it has ${row.length} values of length ${length}`,
        });
    });
  });

/** Every stratum's validation scores in one list. */
function allScores(strata: Readonly<Record<string, readonly number[]>>): number[] {
  return Object.values(strata).flat();
}

/** The `p`-th percentile of ascending `sorted`, interpolated linearly (numpy's default method). */
function linearPercentile(sorted: readonly number[], p: number): number {
  const position = ((sorted.length - 1) * p) / 100;
  const below = Math.floor(position);
  const low = sorted[below] as number;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return low + (high - low) * (position - below);
}

const dataV1 = cardV1Shape.data.shape;
const splitV1 = dataV1.split.shape;
const hyperparametersV1 = cardV1Shape.hyperparameters.shape;
const architectureV1 = cardV1Shape.architecture.shape;

/** v2 split sides may count their images per source. */
const splitSideV2 = z.strictObject({
  ...splitSide.shape,
  bySource: z.record(z.string(), count).optional(),
});

/**
 * v2 architectures differ (the paper's CNN, residual networks): what readers rely on is required,
 * the rest is open. `head` says how the `cam` output follows from the features.
 */
const architectureV2 = z.looseObject({
  name: architectureV1.name,
  description: architectureV1.description,
  convChannels: architectureV1.convChannels,
  kernelSize: architectureV1.kernelSize.optional(),
  padding: architectureV1.padding.optional(),
  batchNorm: architectureV1.batchNorm.optional(),
  pool: architectureV1.pool.optional(),
  dropout: architectureV1.dropout.optional(),
  inputShape: architectureV1.inputShape,
  featuresShape: architectureV1.featuresShape,
  parameters: architectureV1.parameters,
  /** Side in input pixels of the patch one feature cell sees (theoretical receptive field). */
  receptiveField: z.number().int().min(1).optional(),
  /**
   * One linear head on the flattened features or on their global average, or (type task) a tumor
   * head and a type head on the global average combined into log-probabilities (`headFormula`).
   */
  head: z.enum(["flatten-linear", "gap-linear", "gap-tumor-type"]),
  /** How the logits and the cam maps are formed, where this is not one linear head. */
  headFormula: z.string().optional(),
});

/** Card v2 (`neuroledger.model-card/2`). */
export const modelCardV2Schema = z
  .strictObject({
    ...cardV1Shape,
    schema: z.literal(MODEL_CARD_SCHEMA),
    task: z.enum(MODEL_TASKS),
    labels: z.array(z.string().min(1)).min(2).max(MAX_LABELS),
    /** A label (binary task) or null (no positive label: 3 or more labels). */
    positiveLabel: z.string().nullable(),
    architecture: architectureV2,
    hyperparameters: z.strictObject({
      ...hyperparametersV1,
      // Site-difference augmentations (gamma, blur, noise, ...) come and go: the section is open.
      augmentation: z.looseObject(hyperparametersV1.augmentation.shape),
      batchSampling: z.string().optional(),
      /** Absent: a constant learning rate (section 4). */
      learningRateSchedule: z.string().optional(),
      /** Absent: trained without a source adversary; a record of training, never computed with. */
      sourceAdversary: z
        .strictObject({
          weight: z.number().positive(),
          hidden: z.number().int().positive(),
          on: z.string(),
          input: z.string(),
          strength: z.string(),
          method: z.string(),
        })
        .optional(),
    }),
    preprocessing: preprocessingV2Schema,
    metrics: z.strictObject({
      test: metricsSchema,
      validation: metricsSchema,
      bySource: z.record(z.string(), metricsSchema),
      leaveOneSourceOut: z.array(leaveOneSourceOutSchema),
    }),
    data: z.strictObject({
      ...dataV1,
      split: z.looseObject({
        ...splitV1,
        train: splitSideV2,
        validation: splitSideV2,
        test: splitSideV2,
      }),
      sources: z.array(sourceSchema).min(1),
    }),
    localization: z.strictObject({
      method: z.literal("cam"),
      pointingGame: fraction.nullable(),
      heatInBox: fraction.nullable(),
      n: count,
      source: z.string(),
    }),
    ood: oodSchema,
  })
  .superRefine((card, context) => {
    checkCard(card, context);
    checkTask(card, context);
    for (const [path, metrics] of cardMetrics(card.metrics))
      checkMetrics(metrics, card.labels, path, context);
    const channels = card.architecture.featuresShape[0];
    if (card.ood.mean.length !== channels) {
      context.addIssue({
        code: "custom",
        path: ["ood", "mean"],
        message: `ood.mean has ${card.ood.mean.length} values for ${channels} feature channels`,
      });
    }
    if (!card.onnx.outputs.some((output) => output.name === "cam")) {
      context.addIssue({
        code: "custom",
        path: ["onnx", "outputs"],
        message: 'a v2 model exports the class activation map output "cam"',
      });
    }
  });

/** Either card version; `schema` says which. */
export const modelCardSchema = z.discriminatedUnion("schema", [
  modelCardV1Schema,
  modelCardV2Schema,
]);

/** The card's preprocessing, either version (`version: 2`, or absent for version 1). */
export const preprocessingSchema = z.union([preprocessingV1Schema, preprocessingV2Schema]);

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ModelCardV1 = z.infer<typeof modelCardV1Schema>;
export type ModelCardV2 = z.infer<typeof modelCardV2Schema>;
export type ModelMetrics = z.infer<typeof metricsSchema>;
export type ClassMetrics = z.infer<typeof classMetricsSchema>;
export type Preprocessing = z.infer<typeof preprocessingSchema>;
export type OodStatistics = z.infer<typeof oodSchema>;
