import Long from "long";
import protobuf from "protobufjs/light.js";

/**
 * Test helpers that rewrite a real `model.onnx` into variants (cosmetic or not) with protobufjs.
 * The schema lists every field an exported model uses, so that re-encoding keeps the model
 * loadable; sub-messages nobody edits are carried as opaque bytes.
 */
protobuf.util.Long = Long;
protobuf.configure();

const repeatedBytes = (id: number) => ({ rule: "repeated", type: "bytes", id });

const FULL = protobuf.Root.fromJSON({
  nested: {
    ModelProto: {
      fields: {
        irVersion: { type: "int64", id: 1 },
        producerName: { type: "string", id: 2 },
        producerVersion: { type: "string", id: 3 },
        domain: { type: "string", id: 4 },
        modelVersion: { type: "int64", id: 5 },
        docString: { type: "string", id: 6 },
        graph: { type: "GraphProto", id: 7 },
        opsetImport: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
        metadataProps: { rule: "repeated", type: "StringStringEntryProto", id: 14 },
        trainingInfo: repeatedBytes(20),
        functions: repeatedBytes(25),
        configuration: repeatedBytes(26),
      },
    },
    OperatorSetIdProto: {
      fields: { domain: { type: "string", id: 1 }, version: { type: "int64", id: 2 } },
    },
    StringStringEntryProto: {
      fields: { key: { type: "string", id: 1 }, value: { type: "string", id: 2 } },
    },
    GraphProto: {
      fields: {
        node: { rule: "repeated", type: "NodeProto", id: 1 },
        name: { type: "string", id: 2 },
        initializer: { rule: "repeated", type: "TensorProto", id: 5 },
        docString: { type: "string", id: 10 },
        input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
        output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
        valueInfo: { rule: "repeated", type: "ValueInfoProto", id: 13 },
        quantizationAnnotation: repeatedBytes(14),
        sparseInitializer: repeatedBytes(15),
        metadataProps: repeatedBytes(16),
      },
    },
    ValueInfoProto: {
      fields: {
        name: { type: "string", id: 1 },
        type: { type: "bytes", id: 2 },
        docString: { type: "string", id: 3 },
        metadataProps: repeatedBytes(4),
      },
    },
    NodeProto: {
      fields: {
        input: { rule: "repeated", type: "string", id: 1 },
        output: { rule: "repeated", type: "string", id: 2 },
        name: { type: "string", id: 3 },
        opType: { type: "string", id: 4 },
        attribute: repeatedBytes(5),
        docString: { type: "string", id: 6 },
        domain: { type: "string", id: 7 },
        overload: { type: "string", id: 8 },
        metadataProps: repeatedBytes(9),
        deviceConfigurations: repeatedBytes(10),
      },
    },
    TensorProto: {
      fields: {
        dims: { rule: "repeated", type: "int64", id: 1 },
        dataType: { type: "int32", id: 2 },
        segment: { type: "bytes", id: 3 },
        floatData: { rule: "repeated", type: "float", id: 4 },
        int32Data: { rule: "repeated", type: "int32", id: 5 },
        stringData: repeatedBytes(6),
        int64Data: { rule: "repeated", type: "int64", id: 7 },
        name: { type: "string", id: 8 },
        rawData: { type: "bytes", id: 9 },
        doubleData: { rule: "repeated", type: "double", id: 10 },
        uint64Data: { rule: "repeated", type: "uint64", id: 11 },
        docString: { type: "string", id: 12 },
        externalData: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
        dataLocation: { type: "int32", id: 14 },
        metadataProps: repeatedBytes(16),
      },
    },
  },
});

const MODEL = FULL.lookupType("ModelProto");

export type EditableTensor = {
  name: string;
  dims: unknown[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  docString?: string;
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
};
export type EditableModel = {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  opsetImport: { domain?: string; version: unknown }[];
  metadataProps: { key: string; value: string }[];
  graph?: {
    name?: string;
    docString?: string;
    node: {
      name?: string;
      input: string[];
      output: string[];
      opType: string;
      docString?: string;
    }[];
    initializer: EditableTensor[];
    input: { name: string }[];
    output: { name: string }[];
  };
};

/** Decodes `onnx`, lets `edit` change the message in place, and encodes it again. */
export function editOnnx(onnx: Uint8Array, edit: (model: EditableModel) => void): Uint8Array {
  const model = MODEL.decode(onnx) as unknown as EditableModel;
  edit(model);
  return MODEL.encode(model as unknown as protobuf.Message).finish();
}

/** Gives every initializer (and the node inputs that read it) a new name; node names too. */
export function renameTensors(onnx: Uint8Array): Uint8Array {
  return editOnnx(onnx, (model) => {
    const graph = requireGraph(model);
    const renamed = new Map(graph.initializer.map((t, i) => [t.name, `w${i}_renamed`]));
    for (const tensor of graph.initializer) tensor.name = renamed.get(tensor.name) as string;
    for (const value of graph.input) value.name = renamed.get(value.name) ?? value.name;
    graph.node.forEach((node, i) => {
      node.name = `node_${i}_renamed`;
      node.input = node.input.map((name) => renamed.get(name) ?? name);
    });
  });
}

/** Reverses the order of the initializers. */
export function reorderInitializers(onnx: Uint8Array): Uint8Array {
  return editOnnx(onnx, (model) => {
    requireGraph(model).initializer.reverse();
  });
}

/** New doc strings, metadata_props, producer name/version, graph name and an extra opset import. */
export function changeMetadata(onnx: Uint8Array): Uint8Array {
  return editOnnx(onnx, (model) => {
    const graph = requireGraph(model);
    model.producerName = "someone-else";
    model.producerVersion = "9.9.9";
    model.docString = "a different network, honestly";
    model.metadataProps = [{ key: "author", value: "copycat" }];
    model.opsetImport.push({ domain: "com.example.cosmetic", version: 1 });
    graph.name = "renamed_graph";
    graph.docString = "new graph doc";
    for (const node of graph.node) node.docString = "node doc";
    for (const tensor of graph.initializer) tensor.docString = "tensor doc";
  });
}

/** Moves every float32 initializer from `raw_data` to the typed `float_data` field. */
export function rawToFloatData(onnx: Uint8Array): Uint8Array {
  return editOnnx(onnx, (model) => {
    for (const tensor of requireGraph(model).initializer) {
      if (tensor.dataType !== 1 || !tensor.rawData?.length) continue;
      const raw = tensor.rawData;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      tensor.floatData = Array.from({ length: raw.byteLength / 4 }, (_, i) =>
        view.getFloat32(4 * i, true),
      );
      delete tensor.rawData;
    }
  });
}

/**
 * Changes float32 weights of the largest float initializer: by default the first value by one
 * ulp; with `seed`, XORs the low 10 mantissa bits of its first four values with the seed's bits
 * (distinct seeds give distinct weights; the network's outputs barely move).
 */
export function perturbWeights(onnx: Uint8Array, seed?: bigint): Uint8Array {
  return editOnnx(onnx, (model) => {
    const floats = requireGraph(model).initializer.filter(
      (t) => t.dataType === 1 && t.rawData?.length,
    );
    const largest = floats.sort((a, b) => (b.rawData?.length ?? 0) - (a.rawData?.length ?? 0))[0];
    if (!largest?.rawData) throw new Error("the model has no float32 initializer in raw_data");
    const raw = Uint8Array.from(largest.rawData);
    const view = new DataView(raw.buffer);
    if (seed === undefined) view.setUint32(0, view.getUint32(0, true) + 1, true);
    for (let i = 0; seed !== undefined && i < 4; i++) {
      const bits = Number((seed >> BigInt(10 * i)) & 0x3ffn);
      view.setUint32(4 * i, view.getUint32(4 * i, true) ^ bits, true);
    }
    largest.rawData = raw;
  });
}

function requireGraph(model: EditableModel): NonNullable<EditableModel["graph"]> {
  if (!model.graph) throw new Error("the model has no graph");
  return model.graph;
}
