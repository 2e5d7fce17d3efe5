import { describe, expect, it } from "vitest";
import { initialModels } from "./initialModels.ts";

const BINARY = "brain-tumor-mri/binary";
const TYPE = "brain-tumor-mri/type";
const model = (sha256: string, task: string) => ({ sha256, card: { task } });
// Newest first, as the cache lists them.
const cached = [model("b2", BINARY), model("t2", TYPE), model("b1", BINARY), model("t1", TYPE)];

describe("initialModels", () => {
  it("starts each task with its latest model on chain when this browser has it", () => {
    expect(
      initialModels(cached, [BINARY, TYPE], {
        requested: null,
        latest: { [BINARY]: "b1", [TYPE]: "0xT1" },
      }),
    ).toEqual(["b1", "t1"]);
  });

  it("else with the task's newest cached model; a task with none gets none", () => {
    expect(
      initialModels(cached, [BINARY, TYPE], {
        requested: null,
        latest: { [BINARY]: "zz", [TYPE]: null },
      }),
    ).toEqual(["b2", "t2"]);
    expect(
      initialModels([model("b1", BINARY)], [BINARY, TYPE], { requested: null, latest: {} }),
    ).toEqual(["b1"]);
  });

  it("puts the model the URL names in its own task only", () => {
    expect(
      initialModels(cached, [BINARY, TYPE], {
        requested: "t1",
        latest: { [BINARY]: "b1", [TYPE]: "t2" },
      }),
    ).toEqual(["b1", "t1"]);
  });

  it("never starts a model of a task the consortium does not run", () => {
    const other = [model("x", "brain-tumor-mri/grade"), ...cached];
    expect(initialModels(other, [BINARY, TYPE], { requested: "x", latest: {} })).toEqual([
      "b2",
      "t2",
    ]);
  });

  it("takes any one model when no task is known (nothing deployed)", () => {
    expect(initialModels(cached, [null], { requested: null, latest: {} })).toEqual(["b2"]);
    expect(initialModels(cached, [null], { requested: "t1", latest: {} })).toEqual(["t1"]);
  });
});
