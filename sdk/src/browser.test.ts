import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { unixfs } from "@helia/unixfs";
import { build } from "esbuild";
import { createHeliaLight, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { type Browser, chromium } from "playwright-core";
import { parseModelCard } from "./card/parseModelCard.ts";
import { exampleCard, exampleCardV2 } from "./card/testing/exampleCard.ts";
import { toHex } from "./crypto/bytes.ts";
import { randomBytes } from "./crypto/webcrypto.ts";
import { interpretOutputs } from "./inference/classify.ts";
import { prepareInput, preprocessImage } from "./inference/preprocess.ts";
import type { RawImage } from "./inference/rawImage.ts";
import type { ModelOutputs } from "./inference/runtime.ts";
import { v2VectorCases } from "./node/testing/trainingVectors.ts";
import type { InferenceCase } from "./testing/browserChecks.ts";

const CHROMIUM = "/usr/bin/chromium";
const vectorsDir = new URL("../test-vectors/", import.meta.url);
const readVectors = (name: string) => JSON.parse(readFileSync(new URL(name, vectorsDir), "utf8"));
const modelsDir = fileURLToPath(new URL("../../training/models/", import.meta.url));

const base64 = (bytes: ArrayBufferView) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
const floats = (text: string) => {
  const bytes = Buffer.from(text, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};

/** An image and model outputs, packed for the page. */
function inferenceCase(card: unknown, image: RawImage, outputs: ModelOutputs): InferenceCase {
  const channels = image.channels ?? ((image.data.length / (image.width * image.height)) as 1);
  return {
    card,
    image: { width: image.width, height: image.height, channels, base64: base64(image.data) },
    outputs: {
      logits: Array.from(outputs.logits),
      features: { base64: base64(outputs.features.data), dims: [...outputs.features.dims] },
      ...(outputs.cam
        ? { cam: { base64: base64(outputs.cam.data), dims: [...outputs.cam.dims] } }
        : {}),
    },
  };
}

/** A synthetic v2 case: a bright noisy "head" in a black frame, and made-up model outputs. */
function syntheticV2Case(): { item: InferenceCase; image: RawImage; outputs: ModelOutputs } {
  const width = 150;
  const height = 110;
  const data = new Uint8Array(width * height * 4);
  for (let y = 12; y < 100; y++)
    for (let x = 30; x < 120; x++) {
      const v = 60 + ((x * 7 + y * 13) % 190);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  const image = { width, height, data };
  const wave = (n: number, k: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) + 1);
  const outputs = {
    logits: Float32Array.of(0.2, 1.3),
    features: { data: wave(64 * 8 * 8, 0.37), dims: [1, 64, 8, 8] },
    cam: { data: wave(2 * 8 * 8, 0.11), dims: [1, 2, 8, 8] },
  };
  return { item: inferenceCase(exampleCardV2(), image, outputs), image, outputs };
}

/** Serves the bundle, an empty page, and a trustless gateway over a real Helia, all on one origin. */
function startServer(bundle: string, source: Helia): Promise<Server> {
  const server = createServer(async (request, response) => {
    const url = request.url ?? "/";
    if (url === "/")
      return response
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><script type="module" src="/sdk.js"></script>');
    if (url === "/sdk.js")
      return response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    const match = /^\/ipfs\/([^/?]+)/.exec(url);
    if (!match) return response.writeHead(404).end();
    try {
      const cid = CID.parse(match[1] as string);
      if (!(await source.blockstore.has(cid))) return response.writeHead(404).end();
      const result: unknown = await source.blockstore.get(cid);
      const parts: Uint8Array[] = [];
      if (result instanceof Uint8Array) parts.push(result);
      else for await (const part of result as AsyncIterable<Uint8Array>) parts.push(part);
      response
        .writeHead(200, { "content-type": "application/vnd.ipld.raw" })
        .end(Buffer.concat(parts));
    } catch {
      response.writeHead(400).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("the browser entries in Chromium", () => {
  let browser: Browser;
  let server: Server;
  let source: Helia;
  let content: Uint8Array<ArrayBuffer>;
  let cid: CID;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is needed at ${CHROMIUM} (apt-get install -y chromium)`,
    );
    // Bundling for the browser platform fails on any Node built-in that leaks into these entries.
    const result = await build({
      entryPoints: [fileURLToPath(new URL("testing/browserChecks.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    source = createHeliaLight();
    await source.start();
    content = randomBytes(600_000);
    cid = await unixfs(source).addBytes(content);
    server = await startServer(result.outputFiles[0]?.text ?? "", source);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    await source?.stop();
  });

  it("reproduces the vectors, derives keys, preprocesses like Node (v1 and v2), places the heatmap and scores OOD like Node and the training vectors, and reads verified blocks from a gateway", async () => {
    const page = await browser.newPage();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => "runSdkChecks" in globalThis, undefined, { timeout: 10_000 });
    const image = {
      width: 5,
      height: 3,
      data: Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256),
    };
    const synthetic = syntheticV2Case();
    const vectorCases = await v2VectorCases(modelsDir);
    const input = {
      inference: [
        synthetic.item,
        ...vectorCases.map((c) => inferenceCase(c.card, c.image, c.outputs)),
      ],
      vectors: {
        container: readVectors("container-v1.json"),
        wrap: readVectors("wrap-v1.json"),
        account: readVectors("account-key-v1.json"),
      },
      card: exampleCard(),
      gateway: origin,
      cid: cid.toString(),
      image,
    };
    // biome-ignore lint/suspicious/noExplicitAny: the page's global is set by the bundle.
    const result = await page.evaluate((args) => (globalThis as any).runSdkChecks(args), input);
    assert.equal(result.secureContext, true);
    assert.deepEqual(result.containers, Array(4).fill({ opened: true, sealed: true }));
    assert.equal(result.wrap, true);
    assert.equal(result.accountKey, true);
    assert.equal(result.keyring, true);
    assert.equal(result.overlayAlpha, 153);
    const nodeInput = preprocessImage(
      { ...image, data: Uint8Array.from(image.data) },
      exampleCard().preprocessing,
    );
    assert.deepEqual(result.preprocessed, Array.from(nodeInput.subarray(0, 512)));
    // v2 in the page = v2 in Node, to the bit (same code, same float32 steps).
    const [page0, ...pageVectors] = result.inference;
    const card = parseModelCard(exampleCardV2());
    const node = prepareInput(synthetic.image, card.preprocessing);
    const nodeResult = interpretOutputs(synthetic.outputs, card, {
      region: node.region,
      image: synthetic.image,
    });
    assert.deepEqual(floats(page0.input), node.input);
    assert.deepEqual(page0.region, node.region);
    assert.deepEqual(page0.peak, nodeResult.peak);
    assert.deepEqual(page0.ood, nodeResult.ood);
    assert.equal(page0.heatmapMethod, "cam");
    assert.deepEqual(page0.heatmap, Array.from(nodeResult.heatmap.data));
    // ...and matches the training package's v2 vectors (docs/interfaces.md section 3 targets).
    assert.equal(pageVectors.length, vectorCases.length);
    let multiclassItems = 0;
    for (const [i, vector] of vectorCases.entries()) {
      const page = pageVectors[i];
      const name = `${vector.set}/${vector.item.image}`;
      const input = floats(page.input);
      let diff = 0;
      for (let k = 0; k < input.length; k++)
        diff = Math.max(diff, Math.abs((input[k] as number) - (vector.expectedInput[k] as number)));
      assert.ok(
        input.length === vector.expectedInput.length && diff <= 1e-4,
        `${name}: input max |diff| ${diff}`,
      );
      const region = vector.item.region as { left: number; top: number; size: number };
      assert.deepEqual(
        page.region,
        { left: region.left, top: region.top, width: region.size, height: region.size },
        name,
      );
      const [px, py] = vector.item.peak as [number, number];
      const step = region.size / (vector.card.preprocessing.resize.width as number);
      assert.ok(
        Math.max(Math.abs(page.peak.x - px), Math.abs(page.peak.y - py)) <= Math.ceil(step),
        `${name}: peak ${JSON.stringify(page.peak)} vs [${px}, ${py}]`,
      );
      const expectedOod = vector.item.oodScore as number;
      assert.ok(
        Math.abs(page.ood.score - expectedOod) <= 1e-3 * Math.abs(expectedOod),
        `${name}: OOD ${page.ood.score} vs ${expectedOod}`,
      );
      // Every label's heatmap and peak in the page = in Node, to the bit.
      const placement = { region: page.region, image: vector.image };
      assert.deepEqual(
        page.classes.map((c: { label: string }) => c.label),
        vector.card.labels,
        `${name}: a map per label`,
      );
      for (const [k, label] of vector.card.labels.entries()) {
        const node = interpretOutputs(vector.outputs, vector.card, placement, {
          heatmapLabel: label,
        });
        assert.deepEqual(
          page.classes[k].heatmap,
          Array.from(node.heatmap.data),
          `${name} ${label}`,
        );
        assert.deepEqual(page.classes[k].peak, node.peak, `${name} ${label}: peak`);
      }
      if (vector.card.positiveLabel !== null) continue;
      // No positive label (type task): the vector's probabilities, predicted label and its map.
      multiclassItems++;
      const probabilities = vector.card.labels.map((label) => page.probabilities[label]);
      const expected = vector.item.probabilities as number[];
      for (const [k, p] of probabilities.entries())
        assert.ok(
          Math.abs(p - (expected[k] as number)) <= 1e-4,
          `${name}: p(${vector.card.labels[k]}) ${p} vs ${expected[k]}`,
        );
      assert.equal(page.label, vector.item.predicted, `${name}: predicted`);
      assert.equal(page.heatmapLabel, page.label, `${name}: the predicted label's map by default`);
    }
    assert.ok(
      multiclassItems > 0,
      "no vector item of a model without a positive label (smoke-type)",
    );
    console.log(
      `# v2 vector items replayed in Chromium: ${vectorCases.length} (${multiclassItems} of models without a positive label)`,
    );
    const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", content)));
    assert.deepEqual(result.gateway, { length: content.length, sha256: digest });
  });
});
