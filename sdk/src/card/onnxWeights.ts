import Long from "long";
import protobuf from "protobufjs/light.js";
import { InvalidModelError } from "../errors.ts";

// protobufjs finds `long` by a runtime `require` that bundlers drop; hand it over so int64 fields
// decode exactly (as Long) in browsers as in Node.
protobuf.util.Long = Long;
protobuf.configure();

/**
 * The subset of onnx.proto the weights live in (field numbers from the ONNX spec). Everything
 * else (names of graphs, doc strings, metadata, opsets, unknown fields) is skipped by the decoder.
 */
const ONNX = protobuf.Root.fromJSON({
  nested: {
    ModelProto: { fields: { graph: { type: "GraphProto", id: 7 } } },
    GraphProto: {
      fields: {
        node: { rule: "repeated", type: "NodeProto", id: 1 },
        initializer: { rule: "repeated", type: "TensorProto", id: 5 },
        sparseInitializer: { rule: "repeated", type: "SparseTensorProto", id: 15 },
      },
    },
    NodeProto: {
      fields: {
        opType: { type: "string", id: 4 },
        attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
        domain: { type: "string", id: 7 },
      },
    },
    AttributeProto: {
      fields: {
        name: { type: "string", id: 1 },
        f: { type: "float", id: 2 },
        i: { type: "int64", id: 3 },
        s: { type: "bytes", id: 4 },
        t: { type: "TensorProto", id: 5 },
        floats: { rule: "repeated", type: "float", id: 7 },
        ints: { rule: "repeated", type: "int64", id: 8 },
        strings: { rule: "repeated", type: "bytes", id: 9 },
        sparseTensor: { type: "SparseTensorProto", id: 22 },
      },
    },
    TensorProto: {
      fields: {
        dims: { rule: "repeated", type: "int64", id: 1 },
        dataType: { type: "int32", id: 2 },
        floatData: { rule: "repeated", type: "float", id: 4 },
        int32Data: { rule: "repeated", type: "int32", id: 5 },
        stringData: { rule: "repeated", type: "bytes", id: 6 },
        int64Data: { rule: "repeated", type: "int64", id: 7 },
        name: { type: "string", id: 8 },
        rawData: { type: "bytes", id: 9 },
        doubleData: { rule: "repeated", type: "double", id: 10 },
        uint64Data: { rule: "repeated", type: "uint64", id: 11 },
        externalData: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
        dataLocation: { type: "int32", id: 14 },
      },
    },
    SparseTensorProto: {
      fields: {
        values: { type: "TensorProto", id: 1 },
        indices: { type: "TensorProto", id: 2 },
        dims: { rule: "repeated", type: "int64", id: 3 },
      },
    },
    StringStringEntryProto: {
      fields: { key: { type: "string", id: 1 }, value: { type: "string", id: 2 } },
    },
  },
});

/** An int64 field as decoded: a Long (protobufjs), or a number for values built here. */
export type Int64 = number | Long;

/** A TensorProto as decoded (only the fields above). */
export type OnnxTensor = {
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name: string;
  rawData: Uint8Array;
  doubleData: number[];
  uint64Data: Int64[];
  externalData: { key: string; value: string }[];
  dataLocation: number;
};

export type OnnxSparseTensor = { values?: OnnxTensor; indices?: OnnxTensor; dims: Int64[] };

type OnnxAttribute = {
  name: string;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  sparseTensor?: OnnxSparseTensor;
};

type OnnxGraph = {
  node: { opType: string; domain: string; attribute: OnnxAttribute[] }[];
  initializer: OnnxTensor[];
  sparseInitializer: OnnxSparseTensor[];
};

/** One weight of a model: a dense tensor, or a sparse one (values, indices and dense shape). */
export type OnnxWeight =
  | { kind: "dense"; tensor: OnnxTensor }
  | { kind: "sparse"; tensor: OnnxSparseTensor };

// ONNX TensorProto.DataType values used for Constant's scalar and list attributes.
const FLOAT = 1;
const INT64 = 7;
const STRING = 8;

/**
 * The weights of an ONNX model's main graph: its initializers, its sparse initializers and the
 * value of each `Constant` node (in any of its attribute forms). Throws {@link InvalidModelError}
 * for bytes that do not decode as an ONNX ModelProto or a model without a graph.
 */
export function readOnnxWeights(onnxBytes: Uint8Array): OnnxWeight[] {
  const graph = decodeGraph(onnxBytes);
  const weights: OnnxWeight[] = graph.initializer.map((tensor) => ({ kind: "dense", tensor }));
  for (const tensor of graph.sparseInitializer) weights.push({ kind: "sparse", tensor });
  for (const node of graph.node) {
    if (node.opType !== "Constant" || (node.domain !== "" && node.domain !== "ai.onnx")) continue;
    for (const attribute of node.attribute) {
      const weight = constantValue(attribute);
      if (weight) weights.push(weight);
    }
  }
  return weights;
}

function decodeGraph(onnxBytes: Uint8Array): OnnxGraph {
  let model: { graph?: OnnxGraph };
  try {
    model = ONNX.lookupType("ModelProto").decode(onnxBytes) as unknown as { graph?: OnnxGraph };
  } catch (cause) {
    throw new InvalidModelError(
      "The file is not an ONNX model: its bytes are not a valid ModelProto.",
      {
        details: cause instanceof Error ? cause.message : String(cause),
        hints: ["Publish the model.onnx that training/ exported."],
        cause,
      },
    );
  }
  if (!model.graph) {
    throw new InvalidModelError("The file is not an ONNX model: it has no graph.", {
      hints: ["Publish the model.onnx that training/ exported."],
    });
  }
  return model.graph;
}

/** A Constant node's value as a tensor, whatever attribute form it takes (ONNX Constant-13+). */
function constantValue(a: OnnxAttribute): OnnxWeight | undefined {
  const dense = (tensor: Partial<OnnxTensor>): OnnxWeight => ({
    kind: "dense",
    tensor: fullTensor(tensor),
  });
  switch (a.name) {
    case "value":
      return a.t ? { kind: "dense", tensor: a.t } : undefined;
    case "sparse_value":
      return a.sparseTensor ? { kind: "sparse", tensor: a.sparseTensor } : undefined;
    case "value_float":
      return dense({ dataType: FLOAT, floatData: [a.f] });
    case "value_floats":
      return dense({ dataType: FLOAT, dims: [a.floats.length], floatData: a.floats });
    case "value_int":
      return dense({ dataType: INT64, int64Data: [a.i] });
    case "value_ints":
      return dense({ dataType: INT64, dims: [a.ints.length], int64Data: a.ints });
    case "value_string":
      return dense({ dataType: STRING, stringData: [a.s] });
    case "value_strings":
      return dense({ dataType: STRING, dims: [a.strings.length], stringData: a.strings });
    default:
      return undefined;
  }
}

function fullTensor(partial: Partial<OnnxTensor>): OnnxTensor {
  return {
    dims: [],
    dataType: 0,
    floatData: [],
    int32Data: [],
    stringData: [],
    int64Data: [],
    name: "",
    rawData: new Uint8Array(0),
    doubleData: [],
    uint64Data: [],
    externalData: [],
    dataLocation: 0,
    ...partial,
  };
}

/** An int64/uint64 field's exact value (Long when decoded; a number only for values we built). */
export function int64Of(value: Int64): bigint {
  if (typeof value === "number") return BigInt(value);
  const low = BigInt(value.low >>> 0);
  const high = BigInt(value.high >>> 0);
  const bits = (high << 32n) | low;
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** The protobufjs type of a message, for tests that build ONNX variants with the same schema. */
export function onnxMessageType(name: "ModelProto" | "TensorProto"): protobuf.Type {
  return ONNX.lookupType(name);
}
