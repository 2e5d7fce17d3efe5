/** A small valid card for tests (values are made up; the committed cards come from training/). */
export function exampleCard() {
  const metrics = {
    accuracy: 0.9,
    precision: 0.88,
    recall: 0.92,
    f1: 0.9,
    auc: 0.95,
    n: 100,
    confusion: [
      [45, 6],
      [4, 45],
    ],
  };
  return {
    schema: "neuroledger.model-card/1",
    name: "example",
    version: "1.0.0",
    task: "brain-tumor-mri/binary",
    labels: ["no", "yes"],
    positiveLabel: "yes",
    architecture: {
      name: "cnn4",
      description: "four 3x3 conv + ReLU + max-pool blocks, flatten, dropout, linear",
      convChannels: [16, 32, 64, 64],
      kernelSize: 3,
      padding: 1,
      batchNorm: false,
      pool: "maxpool2x2",
      dropout: 0.25,
      inputShape: [3, 256, 256],
      featuresShape: [64, 16, 16],
      parameters: 123456,
    },
    hyperparameters: {
      optimizer: "adam",
      learningRate: 0.0001,
      weightDecay: 0,
      batchSize: 64,
      maxEpochs: 10,
      epochsRun: 2,
      bestEpoch: 2,
      earlyStoppingPatience: 3,
      earlyStoppingMetric: "valF1",
      loss: "cross-entropy",
      seed: 7,
      threads: 2,
      augmentation: {
        hflip: 0.5,
        vflip: 0,
        rotationDegrees: 10,
        scale: 0.1,
        brightness: 0.1,
        contrast: 0.1,
      },
    },
    preprocessing: {
      decode: {
        colorSpace: "RGB",
        bitDepth: 8,
        grayscale: "replicate",
        palette: "expand",
        alpha: "drop",
        exifOrientation: "ignore",
      },
      resize: {
        width: 256,
        height: 256,
        method: "bilinear",
        alignCorners: false,
        antialias: false,
        keepAspect: false,
        edge: "clamp",
        rounding: "none",
        reference:
          'torch.nn.functional.interpolate(x, (256, 256), mode="bilinear", align_corners=False)',
      },
      scale: 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      formula: "(x / 255 - mean) / std",
      channelOrder: "RGB",
      layout: "NCHW",
      dtype: "float32",
    },
    onnx: {
      file: "model.onnx",
      sha256: "a".repeat(64),
      opset: 17,
      inputs: [{ name: "image", dtype: "float32", shape: ["batch", 3, 256, 256] }],
      outputs: [
        { name: "logits", dtype: "float32", shape: ["batch", 2] },
        { name: "features", dtype: "float32", shape: ["batch", 64, 16, 16] },
      ],
    },
    metrics: { test: metrics, validation: { ...metrics, auc: null } },
    curves: {
      epoch: [1, 2],
      trainLoss: [0.6, 0.4],
      valLoss: [0.5, 0.45],
      trainAccuracy: [0.7, 0.85],
      valAccuracy: [0.75, 0.9],
      valF1: [0.74, 0.9],
    },
    data: {
      fingerprint: "b".repeat(64),
      files: 3000,
      unreadable: 0,
      classes: { no: 1500, yes: 1500 },
      dedup: {
        method: "dhash",
        description: "near-duplicates by perceptual hash",
        groups: 2900,
        duplicates: 150,
      },
      split: {
        method: "grouped",
        seed: 7,
        fractions: { train: 0.8, validation: 0.1, test: 0.1 },
        train: { n: 2400, groups: 2320, classes: { no: 1200, yes: 1200 } },
        validation: { n: 300, groups: 290, classes: { no: 150, yes: 150 } },
        test: { n: 300, groups: 290, classes: { no: 150, yes: 150 } },
      },
    },
    code: { version: "0123456789abcdef", dirty: false },
    createdAt: "2026-11-26T18:00:00Z",
  };
}

/** A small valid v2 card (`neuroledger.model-card/2`) for tests; values are made up. */
export function exampleCardV2() {
  const v1 = exampleCard();
  const channels = v1.architecture.featuresShape[0] as number;
  return {
    ...v1,
    schema: "neuroledger.model-card/2",
    architecture: {
      ...v1.architecture,
      inputShape: [3, 128, 128],
      featuresShape: [64, 8, 8],
      head: "gap-linear",
    },
    preprocessing: {
      version: 2,
      decode: v1.preprocessing.decode,
      grey: "mean-rgb",
      crop: {
        method: "foreground-bbox",
        foreground: "10 * (R+G+B) > max(R+G+B)",
        minRowFraction: 0.01,
      },
      pad: "square-centred-zeros",
      resize: {
        width: 128,
        height: 128,
        method: "area",
        reference: "torch.nn.functional.adaptive_avg_pool2d",
      },
      normalize: { method: "head-standardize", headThreshold: "v > max(R+G+B) / 30", clip: 5 },
      channelOrder: "RGB",
      layout: "NCHW",
      dtype: "float32",
    },
    onnx: {
      ...v1.onnx,
      inputs: [{ name: "image", dtype: "float32", shape: ["batch", 3, 128, 128] }],
      outputs: [
        { name: "logits", dtype: "float32", shape: ["batch", 2] },
        { name: "features", dtype: "float32", shape: ["batch", channels, 8, 8] },
        { name: "cam", dtype: "float32", shape: ["batch", 2, 8, 8] },
      ],
    },
    metrics: {
      ...v1.metrics,
      bySource: { br35h: v1.metrics.test },
      leaveOneSourceOut: [
        {
          heldOut: "figshare",
          trainedOn: ["br35h"],
          metrics: { ...v1.metrics.test, auc: null },
          sensitivity: 0.91,
          specificity: null,
          note: "tumor images only",
        },
        {
          heldOut: "br35h",
          trainedOn: ["figshare"],
          metrics: null,
          sensitivity: null,
          specificity: null,
          note: "the only source with tumor-free images",
        },
      ],
    },
    data: {
      ...v1.data,
      sources: [
        {
          name: "br35h",
          fingerprint: "c".repeat(64),
          files: 3000,
          classes: { no: 1500, yes: 1500 },
          mapping: { no: "no", yes: "yes" },
        },
      ],
    },
    localization: { method: "cam", pointingGame: 0.85, heatInBox: 0.4, n: 120, source: "figshare" },
    ood: {
      method: "gap-diagonal-mahalanobis",
      mean: Array.from({ length: channels }, (_, i) => i / 10),
      var: Array.from({ length: channels }, () => 2),
      threshold: 3.5,
      percentile: 99,
      heldOutAuroc: 0.8,
    },
  };
}

/**
 * A small valid v2 card of the type task (4 labels, no positive label) for tests: the metrics
 * are those of a made-up 4 x 4 confusion matrix, per class and macro.
 */
export function exampleTypeCard() {
  const base = exampleCardV2();
  const labels = ["glioma", "meningioma", "no_tumor", "pituitary"];
  // rows true, columns predicted
  const confusion = [
    [8, 1, 0, 1],
    [0, 9, 1, 0],
    [0, 0, 10, 0],
    [1, 0, 0, 9],
  ];
  const perClass = {
    glioma: { precision: 8 / 9, recall: 0.8, f1: 16 / 19, auc: 0.95, support: 10 },
    meningioma: { precision: 0.9, recall: 0.9, f1: 0.9, auc: 0.97, support: 10 },
    no_tumor: { precision: 10 / 11, recall: 1, f1: 20 / 21, auc: 1, support: 10 },
    pituitary: { precision: 0.9, recall: 0.9, f1: 0.9, auc: 0.96, support: 10 },
  };
  const classes = Object.values(perClass);
  const mean = (pick: (c: (typeof classes)[number]) => number) =>
    classes.reduce((sum, c) => sum + pick(c), 0) / classes.length;
  const metrics = {
    accuracy: 36 / 40,
    precision: mean((c) => c.precision),
    recall: mean((c) => c.recall),
    f1: mean((c) => c.f1),
    auc: mean((c) => c.auc),
    n: 40,
    confusion,
    specificity: (29 / 30 + 29 / 30 + 29 / 30 + 29 / 30) / 4,
    perClass,
  };
  const channels = base.architecture.featuresShape[0] as number;
  return {
    ...base,
    name: "example-type",
    task: "brain-tumor-mri/type",
    labels,
    positiveLabel: null,
    onnx: {
      ...base.onnx,
      outputs: [
        { name: "logits", dtype: "float32", shape: ["batch", 4] },
        { name: "features", dtype: "float32", shape: ["batch", channels, 8, 8] },
        { name: "cam", dtype: "float32", shape: ["batch", 4, 8, 8] },
      ],
    },
    metrics: {
      test: metrics,
      validation: { ...metrics, auc: null },
      bySource: { figshare: metrics },
      leaveOneSourceOut: [
        {
          heldOut: "br35h",
          trainedOn: ["figshare"],
          metrics: null,
          sensitivity: null,
          specificity: null,
          note: "the only source with tumor-free images",
        },
      ],
    },
  };
}
