import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY_TASK, TASKS, TYPE_TASK } from "../card/tasks.ts";
import { type TumorCard, tumorLabel, tumorProbability } from "./tumorProbability.ts";

const binary: TumorCard = {
  task: BINARY_TASK,
  labels: TASKS[BINARY_TASK].labels,
  positiveLabel: "yes",
};
const type: TumorCard = { task: TYPE_TASK, labels: TASKS[TYPE_TASK].labels, positiveLabel: null };

describe("tumor probability and label of one image, whatever the task", () => {
  it("binary: p(yes), and yes from 0.5 on", () => {
    assert.equal(tumorProbability({ no: 0.3, yes: 0.7 }, binary), 0.7);
    assert.equal(tumorLabel({ no: 0.3, yes: 0.7 }, binary), "yes");
    assert.equal(tumorLabel({ no: 0.5, yes: 0.5 }, binary), "yes");
    assert.equal(tumorLabel({ no: 0.51, yes: 0.49 }, binary), "no");
  });

  it("type: 1 - p(no_tumor), the sum of the tumor types", () => {
    const p = { glioma: 0.2, meningioma: 0.25, no_tumor: 0.4, pituitary: 0.15 };
    assert.ok(Math.abs(tumorProbability(p, type) - 0.6) < 1e-12);
  });

  it("type: a tumor by its types together, named by the most probable type, though no_tumor is the argmax", () => {
    const p = { glioma: 0.2, meningioma: 0.25, no_tumor: 0.4, pituitary: 0.15 };
    assert.equal(tumorLabel(p, type), "meningioma");
    assert.equal(
      tumorLabel({ glioma: 0.1, meningioma: 0.1, no_tumor: 0.7, pituitary: 0.1 }, type),
      "no_tumor",
    );
    assert.equal(
      tumorLabel({ glioma: 0.05, meningioma: 0.05, no_tumor: 0.1, pituitary: 0.8 }, type),
      "pituitary",
    );
  });

  it("names the label it needs when the probabilities lack it", () => {
    assert.throws(
      () => tumorProbability({ glioma: 1 }, type),
      /no probability for "no_tumor" among glioma/,
    );
    assert.throws(() => tumorProbability({ no: 1 }, binary), /no probability for "yes"/);
  });
});
