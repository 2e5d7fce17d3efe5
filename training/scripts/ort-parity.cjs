// Runs a model folder's vectors through onnxruntime-node and compares with the expected outputs
// that PyTorch wrote (docs/interfaces.md section 3). onnxruntime-node is the sdk package's
// dependency; this dev check borrows it rather than installing a second copy.
// Usage: node scripts/ort-parity.cjs <model dir>
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const LOGITS_TOLERANCE = 1e-4; // docs/interfaces.md section 3 (v1 models reach 1e-5)

async function main() {
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? "");
  const ort = createRequire(path.join(__dirname, "..", "..", "sdk", "package.json"))(
    "onnxruntime-node",
  );
  const doc = JSON.parse(fs.readFileSync(path.join(dir, "vectors", "vectors.json"), "utf8"));
  const session = await ort.InferenceSession.create(path.join(dir, doc.model));
  let worst = 0;
  for (const item of doc.items) {
    const bytes = fs.readFileSync(path.join(dir, "vectors", item.input));
    const input = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    );
    const size = Math.round(Math.sqrt(input.length / 3)); // S x S (256 for card v1 models)
    const out = await session.run({ image: new ort.Tensor("float32", input, [1, 3, size, size]) });
    const diff = Math.max(...item.logits.map((v, i) => Math.abs(out.logits.data[i] - v)));
    if (JSON.stringify(out.features.dims) !== JSON.stringify(item.featuresShape)) {
      throw new Error(`${item.input}: features ${out.features.dims} != ${item.featuresShape}`);
    }
    let camDiff = 0;
    if (item.camSum) {
      // Card v2: the cam output decomposes the logits; its per-class sums must match PyTorch's.
      const [, k, h, w] = out.cam.dims;
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let i = 0; i < h * w; i++) sum += out.cam.data[c * h * w + i];
        camDiff = Math.max(camDiff, Math.abs(sum - item.camSum[c]));
      }
    }
    worst = Math.max(worst, diff, camDiff);
    console.log(
      `${item.input}: max |logit diff| ${diff.toExponential(2)}, |camSum diff| ${camDiff.toExponential(2)}`,
    );
  }
  if (worst > LOGITS_TOLERANCE) throw new Error(`logits differ by ${worst} > ${LOGITS_TOLERANCE}`);
  console.log(
    `ok: ${doc.items.length} vectors, onnxruntime-node matches PyTorch within ${worst.toExponential(2)}`,
  );
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
