import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InvalidModelError } from "../errors.ts";
import { createNodeRuntime } from "../node/onnxRuntime.ts";
import {
  changeMetadata,
  editOnnx,
  perturbWeights,
  rawToFloatData,
  renameTensors,
  reorderInitializers,
} from "./testing/onnxVariants.ts";
import { weightsHash } from "./weightsHash.ts";

const modelDir = new URL("../../../training/models/smoke/", import.meta.url);
const onnx = new Uint8Array(readFileSync(new URL("model.onnx", modelDir)));
const card = JSON.parse(readFileSync(new URL("card.json", modelDir), "utf8"));
const side: number = card.preprocessing.resize.width;

/** The model's logits for one fixed input: a variant must still be the same runnable network. */
async function logitsOf(model: Uint8Array): Promise<number[]> {
  const { session, Tensor } = await createNodeRuntime(model, { threads: 1 });
  const input = new Float32Array(3 * side * side).map((_, i) => Math.sin(i));
  const out = await session.run({ image: new Tensor("float32", input, [1, 3, side, side]) });
  return Array.from(out.logits?.data as Float32Array);
}

describe("weightsHash", () => {
  const original = weightsHash(onnx);

  it("is a bytes32 hex string, stable for the same bytes", () => {
    assert.match(original, /^0x[0-9a-f]{64}$/);
    assert.equal(weightsHash(onnx.slice()), original);
  });

  for (const [name, variant] of [
    ["renamed tensors and nodes", renameTensors],
    ["reordered initializers", reorderInitializers],
    ["changed doc strings, metadata_props, producer and opsets", changeMetadata],
    ["raw_data re-encoded as float_data", rawToFloatData],
  ] as const) {
    it(`ignores ${name}: same hash, other file bytes, same network`, async () => {
      const bytes = variant(onnx);
      assert.notDeepEqual(
        Buffer.from(bytes),
        Buffer.from(onnx),
        "the variant must differ in bytes",
      );
      assert.equal(weightsHash(bytes), original);
      assert.deepEqual(await logitsOf(bytes), await logitsOf(onnx));
    });
  }

  it("ignores an unknown field appended to the ModelProto", () => {
    const tail = new Uint8Array([0xc2, 0x3e, 3, 0x61, 0x62, 0x63]); // field 1000, 3 bytes
    const bytes = new Uint8Array([...onnx, ...tail]);
    assert.equal(weightsHash(bytes), original);
  });

  it("changes when one weight changes by one ulp", () => {
    assert.notEqual(weightsHash(perturbWeights(onnx)), original);
    const a = weightsHash(perturbWeights(onnx, 1n));
    const b = weightsHash(perturbWeights(onnx, 2n));
    assert.notEqual(a, b);
    assert.notEqual(a, original);
  });

  it("changes when a Constant node's value changes, in any attribute form", () => {
    // The smoke model's graph is extended with one Constant (value_float), then the value changes.
    const withConstant = (value: number) =>
      editOnnx(onnx, (model) => {
        model.graph?.node.push({
          opType: "Constant",
          input: [],
          output: ["unused_constant"],
          attribute: [constantAttribute(value)],
        } as never);
      });
    const one = weightsHash(withConstant(1.5));
    assert.notEqual(one, original, "a Constant's value is a weight");
    assert.notEqual(weightsHash(withConstant(2.5)), one);
  });

  it("refuses bytes that are not an ONNX model, naming the problem", () => {
    for (const bytes of [
      new TextEncoder().encode("not a model at all"),
      new Uint8Array([0x0a, 0xff, 0xff]),
      onnx.subarray(0, onnx.length / 2),
      new Uint8Array(0),
    ]) {
      assert.throws(
        () => weightsHash(bytes),
        (e: unknown) => {
          assert.ok(e instanceof InvalidModelError, String(e));
          assert.match(e.shortMessage, /not an ONNX model/);
          return true;
        },
      );
    }
  });

  it("refuses a model with no weights", () => {
    const empty = editOnnx(onnx, (model) => {
      if (!model.graph) throw new Error("no graph");
      model.graph.initializer = [];
      model.graph.node = model.graph.node.filter((node) => node.opType !== "Constant");
    });
    assert.throws(
      () => weightsHash(empty),
      (e: unknown) => {
        assert.ok(e instanceof InvalidModelError);
        assert.match(e.shortMessage, /has no weights/);
        return true;
      },
    );
  });

  it("refuses weights stored as external data", () => {
    const external = editOnnx(onnx, (model) => {
      const tensor = model.graph?.initializer[0];
      if (!tensor) throw new Error("no initializer");
      delete tensor.rawData;
      tensor.dataLocation = 1;
      tensor.externalData = [{ key: "location", value: "weights.bin" }];
    });
    assert.throws(
      () => weightsHash(external),
      (e: unknown) => {
        assert.ok(e instanceof InvalidModelError);
        assert.match(e.shortMessage, /stored as external data/);
        return true;
      },
    );
  });

  it("refuses a tensor whose data does not fill its dims", () => {
    const short = editOnnx(onnx, (model) => {
      const tensor = model.graph?.initializer.find((t) => (t.rawData?.length ?? 0) > 4);
      if (!tensor?.rawData) throw new Error("no raw initializer");
      tensor.rawData = tensor.rawData.subarray(4);
    });
    assert.throws(() => weightsHash(short), /bytes of raw data; its dims and type need/);
  });
});

/** An AttributeProto `value_float` (name = 1, f = 2, type FLOAT = 1 at field 20), encoded by hand. */
function constantAttribute(value: number): Uint8Array {
  const name = new TextEncoder().encode("value_float");
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, value, true);
  return new Uint8Array([0x0a, name.length, ...name, 0x15, ...f, 0xa0, 0x01, 0x01]);
}
