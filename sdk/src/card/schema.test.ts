import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { InvalidModelCardError } from "../errors.ts";
import { parseModelCard, toBasisPoints } from "./parseModelCard.ts";
import { MODEL_CARD_SCHEMA_V1, modelCardV1Schema, modelCardV2Schema } from "./schema.ts";
import { BINARY_TASK, TASKS } from "./tasks.ts";
import { exampleCard, exampleCardV2, exampleTypeCard } from "./testing/exampleCard.ts";

const trainingDir = new URL("../../../training/", import.meta.url);

type JsonSchema = {
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/** Walks two JSON Schemas side by side and lists where their object shapes differ. */
function shapeDifferences(
  a: JsonSchema,
  b: JsonSchema,
  resolveA: (s: JsonSchema) => JsonSchema,
  path = "card",
): string[] {
  const left = resolveA(a);
  const out: string[] = [];
  if (left.properties || b.properties) {
    const lk = Object.keys(left.properties ?? {}).sort();
    const rk = Object.keys(b.properties ?? {}).sort();
    if (lk.join() !== rk.join()) out.push(`${path}: keys ${lk} vs ${rk}`);
    if ([...(left.required ?? [])].sort().join() !== [...(b.required ?? [])].sort().join())
      out.push(`${path}: required differs`);
    if ((left.additionalProperties === false) !== (b.additionalProperties === false))
      out.push(`${path}: additionalProperties differs`);
    for (const key of lk) {
      const l = left.properties?.[key];
      const r = b.properties?.[key];
      if (l && r) out.push(...shapeDifferences(l, r, resolveA, `${path}.${key}`));
    }
  }
  if (left.items && b.items)
    out.push(...shapeDifferences(left.items, b.items, resolveA, `${path}[]`));
  return out;
}

/** hyperparameters.sourceAdversary as training/neuroledger_training/adversary.py writes it. */
const ADVERSARY = {
  weight: 0.3,
  hidden: 64,
  on: "tumor images (label 'yes')",
  input: "pooled features",
  strength: "2 / (1 + exp(-10 p)) - 1 at training progress p (Ganin et al. 2016)",
  method:
    "domain-adversarial training: a gradient-reversed head predicts each tumor image's source",
};

describe("model card schema", () => {
  it("accepts a valid card and computes basis points", () => {
    const card = parseModelCard(JSON.stringify(exampleCard()));
    assert.equal(card.positiveLabel, "yes");
    assert.equal(toBasisPoints(card.metrics.test.f1), 9000);
    assert.equal(toBasisPoints(0.98765), 9877);
  });

  it("refuses malformed cards with the path of each problem", () => {
    const cases: [string, (c: ReturnType<typeof exampleCard>) => unknown, RegExp][] = [
      ["positive label not a label", (c) => ({ ...c, positiveLabel: "tumor" }), /positiveLabel/],
      [
        "metric above 1",
        (c) => ({ ...c, metrics: { ...c.metrics, test: { ...c.metrics.test, f1: 1.2 } } }),
        /metrics\.test\.f1/,
      ],
      ["unknown key", (c) => ({ ...c, extra: true }), /extra/],
      ["wrong schema id", (c) => ({ ...c, schema: "neuroledger.model-card/3" }), /schema/],
      ["v1 card under the v2 id", (c) => ({ ...c, schema: "neuroledger.model-card/2" }), /ood/],
      ["bad sha256", (c) => ({ ...c, onnx: { ...c.onnx, sha256: "XYZ" } }), /onnx\.sha256/],
      ["uneven curves", (c) => ({ ...c, curves: { ...c.curves, valF1: [0.5] } }), /curves/],
      ["one label", (c) => ({ ...c, labels: ["yes"] }), /labels/],
    ];
    for (const [name, mutate, pattern] of cases) {
      assert.throws(
        () => parseModelCard(mutate(exampleCard())),
        (e: unknown) => e instanceof InvalidModelCardError && pattern.test(e.message),
        name,
      );
    }
    assert.throws(() => parseModelCard("{nope"), /not valid JSON/);
  });

  it("accepts a v2 card and refuses v2 cards that readers could not use", () => {
    const card = parseModelCard(JSON.stringify(exampleCardV2()));
    assert.equal(card.schema, "neuroledger.model-card/2");
    const example = exampleCardV2();
    const cosine = {
      ...example,
      hyperparameters: { ...example.hyperparameters, learningRateSchedule: "cosine to 0" },
    };
    const parsed = parseModelCard(JSON.stringify(cosine));
    assert.ok(parsed.schema === "neuroledger.model-card/2");
    assert.equal(parsed.hyperparameters.learningRateSchedule, "cosine to 0");
    const adversarial = {
      ...example,
      hyperparameters: { ...example.hyperparameters, sourceAdversary: ADVERSARY },
    };
    const withAdversary = parseModelCard(JSON.stringify(adversarial));
    assert.ok(withAdversary.schema === "neuroledger.model-card/2");
    assert.equal(withAdversary.hyperparameters.sourceAdversary?.weight, 0.3);
    const local = { ...example, architecture: { ...example.architecture, receptiveField: 31 } };
    const withField = parseModelCard(JSON.stringify(local));
    assert.ok(withField.schema === "neuroledger.model-card/2");
    assert.equal(withField.architecture.receptiveField, 31);
    const channels = example.ood.mean.length;
    const unit = (i: number) => Array.from({ length: channels }, (_, c) => (c === i ? 1 : 0));
    const prototypesOod = {
      ...example.ood,
      method: "gap-cosine-or-mahalanobis",
      precision: Array.from({ length: channels }, (_, i) => unit(i)),
      prototypes: [unit(0), unit(1)],
      minMembers: 10,
      cosineScale: 0.01,
      mahalanobisScale: 1.2,
    };
    const withPrototypes = parseModelCard(JSON.stringify({ ...example, ood: prototypesOod }));
    assert.equal(
      withPrototypes.schema === "neuroledger.model-card/2" && withPrototypes.ood.prototypes?.length,
      2,
    );
    // 100 validation scores whose percentile-th percentile is the card's threshold, as training writes them.
    const threshold = prototypesOod.threshold;
    const validationScores = Array.from({ length: 100 }, (_, i) =>
      i < 50 ? (i * threshold) / 100 : threshold,
    );
    const withScores = parseModelCard(
      JSON.stringify({
        ...example,
        ood: { ...prototypesOod, validationScores: { "br35h/no": validationScores } },
      }),
    );
    assert.deepEqual(
      withScores.schema === "neuroledger.model-card/2" && withScores.ood.validationScores,
      { "br35h/no": validationScores },
    );
    // Strata together: the threshold is the percentile of them all (here one stratum of 100 and
    // one of 50 whose scores all equal the threshold, which keeps the 99th percentile).
    const twoStrata = {
      "br35h/no": validationScores,
      "br35h/yes": Array.from({ length: 50 }, () => threshold),
    };
    const withStrata = parseModelCard(
      JSON.stringify({ ...example, ood: { ...prototypesOod, validationScores: twoStrata } }),
    );
    assert.deepEqual(
      withStrata.schema === "neuroledger.model-card/2" && withStrata.ood.validationScores,
      twoStrata,
    );
    const strata = (scores: number[]) => ({ "br35h/no": scores });
    const swapped = [...validationScores];
    [swapped[10], swapped[11]] = [swapped[11] as number, swapped[10] as number];
    type V2 = ReturnType<typeof exampleCardV2>;
    const cases: [string, (c: V2) => unknown, RegExp][] = [
      [
        "v1 preprocessing in a v2 card",
        (c) => ({ ...c, preprocessing: exampleCard().preprocessing }),
        /preprocessing/,
      ],
      [
        "non-square v2 resize",
        (c) => ({
          ...c,
          preprocessing: { ...c.preprocessing, resize: { ...c.preprocessing.resize, height: 64 } },
        }),
        /preprocessing\.resize/,
      ],
      [
        "another head-row fraction than the readers implement",
        (c) => ({
          ...c,
          preprocessing: {
            ...c.preprocessing,
            crop: { ...c.preprocessing.crop, minRowFraction: 0.02 },
          },
        }),
        /minRowFraction/,
      ],
      [
        "OOD statistics for another channel count",
        (c) => ({ ...c, ood: { ...c.ood, mean: [1, 2], var: [1, 1] } }),
        /ood\.mean/,
      ],
      [
        "cosine-or-Mahalanobis OOD without prototypes",
        (c) => ({ ...c, ood: { ...prototypesOod, prototypes: undefined } }),
        /needs ood\.prototypes/,
      ],
      [
        "cosine-or-Mahalanobis OOD without minMembers",
        (c) => ({ ...c, ood: { ...prototypesOod, minMembers: undefined } }),
        /needs ood\.minMembers/,
      ],
      [
        "cosine-or-Mahalanobis OOD without its cosine scale",
        (c) => ({ ...c, ood: { ...prototypesOod, cosineScale: undefined } }),
        /needs ood\.cosineScale/,
      ],
      [
        "cosine-or-Mahalanobis OOD without its Mahalanobis scale",
        (c) => ({ ...c, ood: { ...prototypesOod, mahalanobisScale: undefined } }),
        /needs ood\.mahalanobisScale/,
      ],
      [
        "a cosine scale above the largest cosine distance (2), which would silence the cosine part",
        (c) => ({ ...c, ood: { ...prototypesOod, cosineScale: 1e300 } }),
        /ood\.cosineScale/,
      ],
      [
        "an all-zero OOD prototype",
        (c) => ({ ...c, ood: { ...prototypesOod, prototypes: [unit(0), unit(0).map(() => 0)] } }),
        /ood\.prototypes\[1\] must be a unit vector/,
      ],
      [
        "a huge OOD prototype",
        (c) => ({ ...c, ood: { ...prototypesOod, prototypes: [unit(0).map((v) => v * 1e200)] } }),
        /ood\.prototypes\[0\] must be a unit vector/,
      ],
      [
        "cosine-or-Mahalanobis OOD without a precision matrix",
        (c) => ({ ...c, ood: { ...prototypesOod, precision: undefined } }),
        /ood\.precision/,
      ],
      [
        "more OOD prototypes than a reader compares an image with",
        (c) => ({
          ...c,
          ood: { ...prototypesOod, prototypes: Array.from({ length: 1025 }, () => unit(0)) },
        }),
        /ood\.prototypes/,
      ],
      [
        "an OOD prototype for another channel count",
        (c) => ({ ...c, ood: { ...prototypesOod, prototypes: [unit(0), [1, 0]] } }),
        /ood\.prototypes/,
      ],
      [
        "OOD validation scores out of order (the site check ranks against them)",
        (c) => ({ ...c, ood: { ...prototypesOod, validationScores: strata(swapped) } }),
        /ood\.validationScores.*ascending/s,
      ],
      [
        "a negative OOD validation score",
        (c) => ({
          ...c,
          ood: { ...prototypesOod, validationScores: strata([-1, ...validationScores.slice(1)]) },
        }),
        /ood\.validationScores/,
      ],
      [
        "fewer than 100 OOD validation scores (the site check's approximation misleads there)",
        (c) => ({
          ...c,
          ood: { ...prototypesOod, validationScores: strata(validationScores.slice(1)) },
        }),
        /ood\.validationScores/,
      ],
      [
        "a threshold that is not the percentile of the validation scores (a check quieted alone)",
        (c) => ({
          ...c,
          ood: { ...prototypesOod, validationScores: strata(validationScores.map((v) => v * 10)) },
        }),
        /ood\.threshold .* is not the 99th percentile of ood\.validationScores/,
      ],
      [
        "an empty stratum of OOD validation scores",
        (c) => ({
          ...c,
          ood: { ...prototypesOod, validationScores: { ...strata(validationScores), "x/no": [] } },
        }),
        /ood\.validationScores/,
      ],
      [
        "OOD validation scores as one list, not by stratum",
        (c) => ({ ...c, ood: { ...prototypesOod, validationScores } }),
        /ood\.validationScores/,
      ],
      [
        "more OOD validation scores than a reader ranks a set against",
        (c) => ({
          ...c,
          ood: {
            ...prototypesOod,
            validationScores: strata(Array.from({ length: 100_001 }, () => 1)),
          },
        }),
        /ood\.validationScores/,
      ],
      [
        "more strata of OOD validation scores than a reader tests",
        (c) => ({
          ...c,
          ood: {
            ...prototypesOod,
            validationScores: {
              ...strata(validationScores),
              ...Object.fromEntries(
                Array.from({ length: 64 }, (_, i) => [`s${i}/no`, [threshold]]),
              ),
            },
          },
        }),
        /at most 64 strata/,
      ],
      [
        "OOD variance of zero",
        (c) => ({ ...c, ood: { ...c.ood, var: c.ood.var.map(() => 0) } }),
        /ood\.var/,
      ],
      [
        "no cam output",
        (c) => ({ ...c, onnx: { ...c.onnx, outputs: c.onnx.outputs.slice(0, 2) } }),
        /cam/,
      ],
      ["missing localization", ({ localization: _, ...c }) => c, /localization/],
      ["no sources", (c) => ({ ...c, data: { ...c.data, sources: [] } }), /data\.sources/],
      [
        "a learning-rate schedule that is not a description",
        (c) => ({ ...c, hyperparameters: { ...c.hyperparameters, learningRateSchedule: 0.5 } }),
        /hyperparameters\.learningRateSchedule/,
      ],
      [
        "a source adversary of weight 0 (off is its absence)",
        (c) => ({
          ...c,
          hyperparameters: { ...c.hyperparameters, sourceAdversary: { ...ADVERSARY, weight: 0 } },
        }),
        /hyperparameters\.sourceAdversary\.weight/,
      ],
      [
        "a receptive field that is not a whole number of pixels",
        (c) => ({ ...c, architecture: { ...c.architecture, receptiveField: 30.5 } }),
        /architecture\.receptiveField/,
      ],
      [
        "a receptive field of no pixel",
        (c) => ({ ...c, architecture: { ...c.architecture, receptiveField: 0 } }),
        /architecture\.receptiveField/,
      ],
      [
        "a source adversary with a field no reader knows",
        (c) => ({
          ...c,
          hyperparameters: { ...c.hyperparameters, sourceAdversary: { ...ADVERSARY, extra: 1 } },
        }),
        /hyperparameters\.sourceAdversary/,
      ],
    ];
    for (const [name, mutate, pattern] of cases) {
      assert.throws(
        () => parseModelCard(mutate(exampleCardV2())),
        (e: unknown) =>
          e instanceof InvalidModelCardError && pattern.test(`${e.message} ${e.details}`),
        name,
      );
    }
  });

  it("accepts a type-task card of 4 labels without a positive label, K x K metrics checked against the labels", () => {
    const card = parseModelCard(JSON.stringify(exampleTypeCard()));
    assert.equal(card.task, "brain-tumor-mri/type");
    assert.equal(card.positiveLabel, null);
    assert.equal(card.metrics.test.perClass?.glioma?.support, 10);
    type T = ReturnType<typeof exampleTypeCard>;
    type M = T["metrics"]["test"];
    const withTest = (c: T, test: Partial<M> | Record<string, unknown>) => {
      const copy = structuredClone(c) as Record<string, unknown> & T;
      copy.metrics.test = { ...c.metrics.test, ...test } as M;
      return copy;
    };
    const cases: [string, (c: T) => unknown, RegExp][] = [
      ["an unknown task", (c) => ({ ...c, task: "brain-tumor-mri/grade" }), /task/],
      [
        "another label set than the task's",
        (c) => ({ ...c, labels: ["glioma", "meningioma", "none", "pituitary"] }),
        /task brain-tumor-mri\/type has the labels/,
      ],
      [
        "a positive label on the type task",
        (c) => ({ ...c, positiveLabel: "glioma" }),
        /positiveLabel/,
      ],
      [
        "a 3 x 3 confusion for 4 labels",
        (c) =>
          withTest(c, {
            confusion: [
              [8, 1, 1],
              [0, 9, 1],
              [0, 0, 10],
            ],
          }),
        /metrics\.test\.confusion.*4 x 4/s,
      ],
      [
        "a ragged confusion",
        (c) => withTest(c, { confusion: [...c.metrics.test.confusion.slice(0, 3), [1, 9]] }),
        /confusion must be 4 x 4/,
      ],
      [
        "n that is not the confusion's count",
        (c) => withTest(c, { n: 41 }),
        /n is 41 but the confusion matrix counts 40/,
      ],
      [
        "no per-class metrics for 4 labels",
        (c) => {
          const { perClass: _, ...test } = c.metrics.test;
          const copy = structuredClone(c);
          (copy.metrics as Record<string, unknown>).test = test;
          return copy;
        },
        /per-class metrics are required for 4 labels/,
      ],
      [
        "no macro specificity for 4 labels",
        (c) => {
          const copy = structuredClone(c);
          delete (copy.metrics.bySource.figshare as Partial<M>).specificity;
          return copy;
        },
        /metrics\.bySource\.figshare\.specificity/,
      ],
      [
        "per-class metrics of other labels",
        (c) => {
          const { glioma, ...rest } = c.metrics.test.perClass;
          return withTest(c, { perClass: { ...rest, astrocytoma: glioma } });
        },
        /perClass needs exactly the labels/,
      ],
      [
        "a support that is not the confusion row",
        (c) =>
          withTest(c, {
            perClass: {
              ...c.metrics.test.perClass,
              pituitary: { ...c.metrics.test.perClass.pituitary, support: 9 },
            },
          }),
        /support of "pituitary" is 9 but its confusion row counts 10/,
      ],
      [
        "17 labels",
        (c) => ({ ...c, labels: Array.from({ length: 17 }, (_, i) => `l${i}`) }),
        /labels/,
      ],
    ];
    for (const [name, mutate, pattern] of cases) {
      assert.throws(
        () => parseModelCard(mutate(exampleTypeCard())),
        (e: unknown) =>
          e instanceof InvalidModelCardError && pattern.test(`${e.message} ${e.details}`),
        name,
      );
    }
  });

  it("keeps the binary rules in v2: a positive label is required, the task's labels, 2 x 2 metrics, perClass optional", () => {
    type V2 = ReturnType<typeof exampleCardV2>;
    const cases: [string, (c: V2) => unknown, RegExp][] = [
      [
        "no positive label on a binary card",
        (c) => ({ ...c, positiveLabel: null }),
        /binary card \(2 labels\) needs a positiveLabel/,
      ],
      [
        "type labels on the binary task",
        (c) => ({
          ...c,
          labels: ["glioma", "meningioma", "no_tumor", "pituitary"],
          positiveLabel: null,
        }),
        /task brain-tumor-mri\/binary has the labels/,
      ],
      [
        "a 4 x 4 confusion on a binary card",
        (c) => ({ ...c, metrics: { ...c.metrics, test: exampleTypeCard().metrics.test } }),
        /confusion must be 2 x 2/,
      ],
    ];
    for (const [name, mutate, pattern] of cases) {
      assert.throws(
        () => parseModelCard(mutate(exampleCardV2())),
        (e: unknown) =>
          e instanceof InvalidModelCardError && pattern.test(`${e.message} ${e.details}`),
        name,
      );
    }
    const card = exampleCardV2();
    const perClass = {
      no: { precision: 45 / 49, recall: 45 / 51, f1: 0.9, auc: 0.95, support: 51 },
      yes: { precision: 45 / 51, recall: 45 / 49, f1: 0.9, auc: 0.95, support: 49 },
    };
    const withPerClass = structuredClone(card);
    withPerClass.metrics.test = {
      ...card.metrics.test,
      perClass,
      specificity: 0.9,
    } as typeof card.metrics.test;
    const parsed = parseModelCard(withPerClass);
    assert.ok(parsed.schema === "neuroledger.model-card/2");
    assert.equal(parsed.metrics.test.perClass?.yes?.support, 49);
  });

  it("mirrors training/card.schema.json (and card.v1.schema.json where kept) key for key", () => {
    const files = ["card.schema.json", "card.v1.schema.json"].filter((name) =>
      existsSync(new URL(name, trainingDir)),
    );
    for (const name of files) {
      const reference = JSON.parse(
        readFileSync(new URL(name, trainingDir), "utf8"),
      ) as JsonSchema & {
        $defs: Record<string, JsonSchema>;
        properties: { schema: { const: string } };
      };
      const resolve = (s: JsonSchema): JsonSchema =>
        s.$ref ? (reference.$defs[s.$ref.replace("#/$defs/", "")] ?? s) : s;
      const zodSchema =
        reference.properties.schema.const === MODEL_CARD_SCHEMA_V1
          ? modelCardV1Schema
          : modelCardV2Schema;
      const mirror = z.toJSONSchema(zodSchema, { unrepresentable: "any" }) as JsonSchema;
      assert.deepEqual(shapeDifferences(reference, mirror, resolve), [], name);
    }
  });

  it("validates every committed card under training/models/*/card.json (and there is at least one)", () => {
    const modelsDir = new URL("models/", trainingDir);
    const cards = existsSync(modelsDir)
      ? readdirSync(modelsDir)
          .map((name) => new URL(`${name}/card.json`, modelsDir))
          .filter((url) => existsSync(url))
      : [];
    assert.ok(
      cards.length > 0,
      "no training/models/*/card.json found: the training package must commit at least one model",
    );
    for (const url of cards) {
      const card = parseModelCard(readFileSync(url, "utf8"));
      const task = card.schema === MODEL_CARD_SCHEMA_V1 ? TASKS[BINARY_TASK] : TASKS[card.task];
      assert.deepEqual(card.labels, task.labels, url.pathname);
    }
  });
});
