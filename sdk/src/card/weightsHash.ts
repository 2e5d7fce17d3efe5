import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Hex } from "../crypto/bytes.ts";
import { InvalidModelError } from "../errors.ts";
import {
  type Int64,
  int64Of,
  type OnnxSparseTensor,
  type OnnxTensor,
  readOnnxWeights,
} from "./onnxWeights.ts";

/** Bytes per element of each ONNX data type, and which typed field holds it when not raw. */
type Layout = {
  bytes: number;
  field?: "floatData" | "int32Data" | "int64Data" | "doubleData" | "uint64Data";
  perElement?: number;
};

const LAYOUTS: Record<number, Layout> = {
  1: { bytes: 4, field: "floatData" }, // FLOAT
  2: { bytes: 1, field: "int32Data" }, // UINT8
  3: { bytes: 1, field: "int32Data" }, // INT8
  4: { bytes: 2, field: "int32Data" }, // UINT16
  5: { bytes: 2, field: "int32Data" }, // INT16
  6: { bytes: 4, field: "int32Data" }, // INT32
  7: { bytes: 8, field: "int64Data" }, // INT64
  9: { bytes: 1, field: "int32Data" }, // BOOL
  10: { bytes: 2, field: "int32Data" }, // FLOAT16 (bits)
  11: { bytes: 8, field: "doubleData" }, // DOUBLE
  12: { bytes: 4, field: "uint64Data" }, // UINT32
  13: { bytes: 8, field: "uint64Data" }, // UINT64
  14: { bytes: 8, field: "floatData", perElement: 2 }, // COMPLEX64
  15: { bytes: 16, field: "doubleData", perElement: 2 }, // COMPLEX128
  16: { bytes: 2, field: "int32Data" }, // BFLOAT16 (bits)
  17: { bytes: 1, field: "int32Data" }, // FLOAT8E4M3FN
  18: { bytes: 1, field: "int32Data" }, // FLOAT8E4M3FNUZ
  19: { bytes: 1, field: "int32Data" }, // FLOAT8E5M2
  20: { bytes: 1, field: "int32Data" }, // FLOAT8E5M2FNUZ
};
const STRING = 8;
const FOUR_BIT = new Set([21, 22, 23]); // UINT4, INT4, FLOAT4E2M1: two per byte, raw only
const DATA_LOCATION_EXTERNAL = 1;
const DOMAIN = utf8ToBytes("neuroledger.weights/1\0");

/**
 * The hash of a model's weights, what the registry keeps unique (`PublishParams.weightsHash`):
 * sha256 over the sorted per-tensor digests of the main graph's initializers, sparse initializers
 * and `Constant` node values, each tensor canonicalised to (data type, dims, values as
 * little-endian bytes), as `0x` + 64 hex digits (bytes32). Definition: docs/interfaces.md
 * section 13.
 *
 * Tensor names, initializer order, node names, doc strings, `metadata_props`, producer
 * name/version, opset imports and unknown protobuf fields do not change it, and neither does
 * storing a tensor in `raw_data` rather than the typed `*_data` fields: republishing the same
 * network with cosmetic changes is refused. Any changed weight value (one ulp) changes it.
 *
 * Not a defence against a deliberate copy: perturbing the weights by a tiny amount gives a new
 * hash and a network that behaves the same. What protects the ranking against such a copy is the
 * score by the worst independent site: members measure the copy like the original.
 *
 * @param onnxBytes The plaintext `model.onnx` (an ONNX ModelProto).
 * @returns `0x` + 64 lowercase hex digits.
 * @throws {InvalidModelError} bytes that are not an ONNX ModelProto, a model without a graph or
 * without weights, a tensor stored as external data, or a tensor whose data does not match its
 * dims and data type.
 *
 * @example
 * const args = publishParamsFromCard({ card, content, keyring, weightsHash: weightsHash(onnx) });
 */
export function weightsHash(onnxBytes: Uint8Array): Hex {
  const weights = readOnnxWeights(onnxBytes);
  if (weights.length === 0) {
    throw new InvalidModelError(
      "The ONNX model has no weights: its graph holds no initializer or Constant.",
      {
        hints: ["Publish a trained network: its weights are what the registry keeps unique."],
      },
    );
  }
  const digests = weights.map((weight, index) => {
    const where = `weight ${index + 1} of ${weights.length}`;
    return weight.kind === "dense"
      ? denseDigest(weight.tensor, where)
      : sparseDigest(weight.tensor, where);
  });
  digests.sort(compareBytes);
  const all = sha256.create();
  for (const digest of digests) all.update(digest);
  return `0x${bytesToHex(all.digest())}`;
}

function denseDigest(tensor: OnnxTensor, where: string): Uint8Array {
  const h = sha256.create().update(DOMAIN).update(u32(0));
  h.update(tensorHeader(tensor, where));
  for (const chunk of tensorValues(tensor, where)) h.update(chunk);
  return h.digest();
}

function sparseDigest(sparse: OnnxSparseTensor, where: string): Uint8Array {
  if (!sparse.values || !sparse.indices) {
    throw new InvalidModelError(
      `The ONNX model's ${where} is a sparse tensor without values or indices.`,
    );
  }
  const h = sha256.create().update(DOMAIN).update(u32(1));
  h.update(dimsBytes(sparse.dims.map(int64Of), where));
  h.update(denseDigest(sparse.values, `${where} (values)`));
  h.update(denseDigest(sparse.indices, `${where} (indices)`));
  return h.digest();
}

function tensorHeader(tensor: OnnxTensor, where: string): Uint8Array {
  if (tensor.dataLocation === DATA_LOCATION_EXTERNAL || tensor.externalData.length > 0) {
    throw new InvalidModelError(
      `The ONNX model's ${where} ("${tensor.name}") is stored as external data.`,
      {
        hints: [
          "Export the model with its weights inside model.onnx (one file), then publish that file.",
        ],
      },
    );
  }
  const dims = dimsBytes(tensor.dims.map(int64Of), `${where} ("${tensor.name}")`);
  const header = new Uint8Array(4 + dims.length);
  header.set(u32(tensor.dataType), 0);
  header.set(dims, 4);
  return header;
}

/** Rank then each dim as uint64 little-endian. */
function dimsBytes(dims: bigint[], where: string): Uint8Array {
  const out = new Uint8Array(4 + 8 * dims.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, dims.length, true);
  dims.forEach((dim, i) => {
    if (dim < 0n)
      throw new InvalidModelError(`The ONNX model's ${where} has a negative dimension (${dim}).`);
    view.setBigUint64(4 + 8 * i, dim, true);
  });
  return out;
}

function elementCount(tensor: OnnxTensor): bigint {
  return tensor.dims.map(int64Of).reduce((n, dim) => n * dim, 1n);
}

/** The tensor's values as little-endian bytes of its type, whichever field holds them. */
function tensorValues(tensor: OnnxTensor, where: string): Uint8Array[] {
  const name = `${where} ("${tensor.name}")`;
  const count = elementCount(tensor);
  if (tensor.dataType === STRING) return stringValues(tensor, count, name);
  const raw = tensor.rawData;
  const layout = LAYOUTS[tensor.dataType];
  if (FOUR_BIT.has(tensor.dataType) || (layout && raw.length > 0)) {
    const expected = layout ? count * BigInt(layout.bytes) : (count + 1n) / 2n;
    if (BigInt(raw.length) !== expected) {
      throw new InvalidModelError(
        `The ONNX model's ${name} has ${raw.length} bytes of raw data; its dims and type need ${expected}.`,
      );
    }
    return [raw];
  }
  if (!layout?.field) {
    throw new InvalidModelError(
      `The ONNX model's ${name} has an unsupported data type (${tensor.dataType}).`,
    );
  }
  const values = tensor[layout.field];
  const expected = count * BigInt(layout.perElement ?? 1);
  if (BigInt(values.length) !== expected) {
    throw new InvalidModelError(
      `The ONNX model's ${name} holds ${values.length} values; its dims and type need ${expected}.`,
    );
  }
  return [typedToBytes(tensor.dataType, values)];
}

function typedToBytes(dataType: number, values: readonly unknown[]): Uint8Array {
  const layout = LAYOUTS[dataType] as Layout;
  const width = layout.bytes / (layout.perElement ?? 1);
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => {
    const at = i * width;
    if (layout.field === "floatData") view.setFloat32(at, value as number, true);
    else if (layout.field === "doubleData") view.setFloat64(at, value as number, true);
    else if (width === 8) view.setBigUint64(at, BigInt.asUintN(64, int64Of(value as Int64)), true);
    else if (width === 4)
      view.setUint32(at, Number(BigInt.asUintN(32, int64Of(value as Int64))), true);
    else if (width === 2) view.setUint16(at, (value as number) & 0xffff, true);
    else view.setUint8(at, (value as number) & 0xff);
  });
  return out;
}

function stringValues(tensor: OnnxTensor, count: bigint, name: string): Uint8Array[] {
  if (BigInt(tensor.stringData.length) !== count) {
    throw new InvalidModelError(
      `The ONNX model's ${name} holds ${tensor.stringData.length} strings; its dims need ${count}.`,
    );
  }
  return tensor.stringData.flatMap((s) => [u32(s.length), s]);
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
