/**
 * Runs inside Chromium (bundled by esbuild for the browser platform): exercises the SDK's browser
 * entries on the published vectors and on content from a trustless gateway, and returns plain
 * results for the Node test to compare.
 */
import {
  accountKeyFromSignature,
  buildKeyring,
  decryptBytes,
  encryptBytes,
  fromHex,
  generateContentKey,
  heatmapToRgba,
  interpretOutputs,
  parseModelCard,
  prepareInput,
  preprocessImage,
  toHex,
  unwrapContentKey,
  unwrapKeyring,
} from "../index.ts";
import { createGatewayReader } from "../ipfs/index.ts";

// The published vector files, as parsed JSON (their shapes are in sdk/test-vectors/).
// biome-ignore lint/suspicious/noExplicitAny: plain JSON handed over from the Node test.
type Vectors = Record<string, any>;

/** One image through preprocessing and the interpretation of given model outputs (the model runs in Node). */
export type InferenceCase = {
  card: unknown;
  image: { width: number; height: number; channels: 1 | 2 | 3 | 4; base64: string };
  outputs: {
    logits: number[];
    features: { base64: string; dims: number[] };
    cam?: { base64: string; dims: number[] };
  };
};

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const floatsOf = (base64: string) => new Float32Array(bytesOf(base64).buffer);
const base64Of = (floats: Float32Array) => {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

/** Runs the SDK's v2 path in the page: the input (base64 float32), region, peak, OOD and heatmap grid. */
function runInference(item: InferenceCase) {
  const card = parseModelCard(item.card);
  const image = { ...item.image, data: bytesOf(item.image.base64) };
  const { input, region } = prepareInput(image, card.preprocessing);
  const { outputs } = item;
  const modelOutputs = {
    logits: Float32Array.from(outputs.logits),
    features: { data: floatsOf(outputs.features.base64), dims: outputs.features.dims },
    ...(outputs.cam ? { cam: { data: floatsOf(outputs.cam.base64), dims: outputs.cam.dims } } : {}),
  };
  const placement = { region, image: { width: image.width, height: image.height } };
  const classification = interpretOutputs(modelOutputs, card, placement);
  // Every label's map and peak (models with per-class maps), as a clinician may pick any.
  const classes = outputs.cam
    ? card.labels.map((label) => {
        const picked = interpretOutputs(modelOutputs, card, placement, { heatmapLabel: label });
        return { label, heatmap: Array.from(picked.heatmap.data), peak: picked.peak };
      })
    : [];
  return {
    input: base64Of(input),
    region,
    label: classification.label,
    probabilities: classification.probabilities,
    peak: classification.peak,
    ood: classification.ood,
    heatmapMethod: classification.heatmapMethod,
    heatmapLabel: classification.heatmapLabel,
    heatmap: Array.from(classification.heatmap.data),
    classes,
  };
}

async function run(input: {
  inference: InferenceCase[];
  vectors: Vectors;
  card: unknown;
  gateway: string;
  cid: string;
  image: { width: number; height: number; data: number[] };
}) {
  const { container, wrap, account } = input.vectors;
  const out: Record<string, unknown> = { secureContext: globalThis.isSecureContext };
  out.containers = [] as unknown[];
  for (const item of container.items) {
    const opened = toHex(
      await decryptBytes(fromHex(container.contentKey), fromHex(item.container)),
    );
    const sealed = toHex(
      await encryptBytes(fromHex(container.contentKey), fromHex(item.plaintext), {
        chunkSize: container.chunkSize,
        salt: fromHex(container.salt),
      }),
    );
    (out.containers as unknown[]).push({
      opened: opened === item.plaintext,
      sealed: sealed === item.container,
    });
  }
  out.wrap =
    toHex(
      await unwrapContentKey(
        {
          ephemeralPublicKey: fromHex(wrap.ephemeralPublicKey),
          ciphertext: fromHex(wrap.ciphertext),
        },
        fromHex(wrap.recipientSecretKey),
      ),
    ) === wrap.contentKey;
  const key = await accountKeyFromSignature(account.signature, {
    chainId: account.chainId,
    registry: account.registry,
  });
  out.accountKey = toHex(key.publicKey) === account.publicKey;
  const contentKey = generateContentKey();
  const keyring = await buildKeyring(contentKey, [
    { account: account.address, publicKey: key.publicKey },
  ]);
  out.keyring = toHex(await unwrapKeyring(keyring, account.address, key)) === toHex(contentKey);
  const card = parseModelCard(input.card);
  out.preprocessed = Array.from(
    preprocessImage(
      { ...input.image, data: Uint8Array.from(input.image.data) },
      card.preprocessing,
    ).subarray(0, 512),
  );
  out.inference = input.inference.map(runInference);
  out.overlayAlpha = heatmapToRgba({ width: 1, height: 1, data: Float32Array.of(1) }).data[3];
  const reader = await createGatewayReader({ gateways: [input.gateway], timeoutMs: 10_000 });
  try {
    const bytes = await reader.bytes(input.cid);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    out.gateway = { length: bytes.length, sha256: toHex(digest) };
  } finally {
    await reader.stop();
  }
  return out;
}

(globalThis as unknown as { runSdkChecks: typeof run }).runSdkChecks = run;
