/**
 * `pnpm bench:web`: the dApp's inference and model download in Chromium, next to onnxruntime-node
 * on the same machine in the same run. Prints a table and writes test/bench/web.json.
 *
 * - inference: the demo model on one preprocessed image, WASM backend with the threads the page
 *   gets (cross-origin isolated), p50/p95 over RUNS runs; the same in onnxruntime-node with the
 *   same thread count; `browserToNativeRatio` = browser p50 / native p50 (target <= 1.3).
 * - imageToResultP50Ms: JPEG bytes -> decode -> preprocessing -> inference -> heatmap overlay
 *   (target <= 50 ms on 2 cores).
 * - download: keyring + encrypted container over HTTP from 127.0.0.1, unwrap with the account
 *   key, streaming decrypt, sha256 verified, for the demo model and a 64 MiB model.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parseModelCard } from "@neuroledger/sdk/card";
import {
  accountKeyFromSignature,
  accountKeyMessage,
  buildKeyring,
  encryptBytes,
  generateContentKey,
  publicKeyHex,
  serializeKeyring,
  sha256Hex,
} from "@neuroledger/sdk/crypto";
import { preprocessImage } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile } from "@neuroledger/sdk/node";
import { chromiumArgs, chromiumPath } from "@neuroledger/web/chromium";
import { crossOriginIsolation } from "@neuroledger/web/cross-origin-isolation";
import { chromium } from "playwright-core";
import { privateKeyToAccount } from "viem/accounts";
import { createServer } from "vite";

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const WARMUP = 10;
const DOWNLOAD_RUNS = 3;
const repoRoot = resolve(import.meta.dirname, "../..");
const outFile = join(import.meta.dirname, "web.json");

function pickModel() {
  const dirs = process.env.BENCH_MODEL_DIR
    ? [process.env.BENCH_MODEL_DIR]
    : ["demo", "smoke"].map((n) => join(repoRoot, "training/models", n));
  for (const dir of dirs) {
    const name = dir.split("/").pop() as string;
    if (!existsSync(join(dir, "model.onnx"))) continue;
    // vectors/ holds flat PNGs; samples/ may be split into one folder per class.
    const sampleDir = [join(dir, "vectors"), join(dir, "samples/yes"), join(dir, "samples")].find(
      (d) => existsSync(d) && readdirSync(d).some((f) => /\.(jpe?g|png)$/i.test(f)),
    );
    const image =
      sampleDir &&
      readdirSync(sampleDir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()[0];
    if (!sampleDir || !image) throw new Error(`${dir} has no sample image (samples/ or vectors/)`);
    return { name, dir, image: join(sampleDir, image) };
  }
  throw new Error(`No model in ${dirs.join(" or ")}: run the training package first.`);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const median = (values: number[]) => percentile(values, 50);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** What the page fetches: served by the bench's Vite server (same origin, so no CORS involved). */
function assetsPlugin(files: Map<string, Uint8Array>) {
  return {
    name: "bench-assets",
    configureServer(server: {
      middlewares: {
        use(fn: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): void;
      };
    }) {
      server.middlewares.use((req, res, next) => {
        const body = files.get(req.url ?? "");
        if (!body) return next();
        res.setHeader("content-type", "application/octet-stream");
        res.setHeader("content-length", body.length);
        res.end(body);
      });
    },
  };
}

async function main() {
  const model = pickModel();
  const modelBytes = new Uint8Array(readFileSync(join(model.dir, "model.onnx")));
  const cardBytes = new Uint8Array(readFileSync(join(model.dir, "card.json")));
  const card = parseModelCard(cardBytes);
  const imageBytes = new Uint8Array(readFileSync(model.image));

  // Encrypted copies for the download measurement, wrapped for one dev account.
  const signer = privateKeyToAccount(
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  ); // public dev key
  const domain = { chainId: 31337, registry: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707" };
  const signature = await signer.signMessage({ message: accountKeyMessage(domain) });
  const accountKey = await accountKeyFromSignature(signature, domain);
  const files = new Map<string, Uint8Array>([
    ["/model.onnx", modelBytes],
    ["/card.json", cardBytes],
    ["/image", imageBytes],
  ]);
  const big = new Uint8Array(64 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  const payloads = { [model.name]: modelBytes, "64MiB": big };
  for (const [name, plaintext] of Object.entries(payloads)) {
    const contentKey = generateContentKey();
    const keyring = await buildKeyring(contentKey, [
      { account: signer.address, publicKey: publicKeyHex(accountKey) },
    ]);
    files.set(`/${name}.keyring`, new TextEncoder().encode(serializeKeyring(keyring)));
    files.set(`/${name}.container`, await encryptBytes(contentKey, plaintext));
  }

  const server = await createServer({
    configFile: false,
    root: join(import.meta.dirname, "web-page"),
    logLevel: "warn",
    plugins: [crossOriginIsolation(), assetsPlugin(files)],
    optimizeDeps: { exclude: ["onnxruntime-web"] },
    server: {
      host: "127.0.0.1",
      port: 0,
      strictPort: false,
      fs: { allow: [repoRoot] },
      hmr: false,
    },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("the bench page server has no URL");
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
    await page.goto(
      process.env.BENCH_THREADS ? `${url}?threads=${process.env.BENCH_THREADS}` : url,
    );
    await page.waitForFunction(
      () => document.getElementById("status")?.textContent === "ready",
      undefined,
      { timeout: 120_000 },
    );
    if (!(await page.evaluate(() => crossOriginIsolated)))
      throw new Error("the bench page is not cross-origin isolated");

    type Bench = {
      inference: (a: object) => Promise<{
        backend: string;
        threads: number;
        inferenceMs: number[];
        imageToResultMs: number[];
        stages: Record<string, number[]>;
        logits: number[];
      }>;
      download: (a: object) => Promise<{ ms: number; bytes: number; progressEvents: number }>;
    };
    const browserRun = await page.evaluate(
      (args) => (window as unknown as { bench: Bench }).bench.inference(args),
      {
        modelUrl: "/model.onnx",
        cardUrl: "/card.json",
        imageUrl: "/image",
        runs: RUNS,
        warmup: WARMUP,
      },
    );

    // onnxruntime-node, same model, same input, same threads.
    const native = await createNodeRuntime(modelBytes, { threads: browserRun.threads });
    const input = preprocessImage(await readImageFile(model.image), card.preprocessing);
    const { height, width } = card.preprocessing.resize;
    const tensor = new native.Tensor("float32", input, [1, 3, height, width]);
    for (let i = 0; i < WARMUP; i++) await native.session.run({ image: tensor });
    const nativeMs: number[] = [];
    let nativeLogits: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const out = await native.session.run({ image: tensor });
      nativeMs.push(performance.now() - t);
      nativeLogits = Array.from(out.logits?.data as Float32Array);
    }
    const maxLogitDiff = Math.max(
      ...nativeLogits.map((v, i) => Math.abs(v - (browserRun.logits[i] as number))),
    );

    const downloads: Record<
      string,
      { bytes: number; p50Ms: number; runsMs: number[]; mibPerSecond: number }
    > = {};
    for (const [name, plaintext] of Object.entries(payloads)) {
      const runsMs: number[] = [];
      for (let i = 0; i < DOWNLOAD_RUNS; i++) {
        const r = await page.evaluate(
          (args) => (window as unknown as { bench: Bench }).bench.download(args),
          {
            keyringUrl: `/${name}.keyring`,
            containerUrl: `/${name}.container`,
            account: signer.address,
            signature,
            domain,
            expectedSha256: sha256Hex(plaintext),
          },
        );
        if (r.bytes !== plaintext.length)
          throw new Error(`${name}: decrypted ${r.bytes} bytes, expected ${plaintext.length}`);
        runsMs.push(r.ms);
      }
      downloads[name] = {
        bytes: plaintext.length,
        p50Ms: round(median(runsMs)),
        runsMs: runsMs.map((x) => round(x)),
        mibPerSecond: round(plaintext.length / 1024 ** 2 / (median(runsMs) / 1000)),
      };
    }

    const browserP50 = median(browserRun.inferenceMs);
    const nativeP50 = median(nativeMs);
    const result = {
      schema: "neuroledger.bench.web/1",
      measuredAt: new Date().toISOString(),
      machine: { cpus: availableParallelism(), chromium: browser.version(), node: process.version },
      model: {
        name: model.name,
        bytes: modelBytes.length,
        image: model.image.startsWith(repoRoot)
          ? model.image.slice(repoRoot.length + 1)
          : model.image,
      },
      runs: RUNS,
      browserToNativeRatio: round(browserP50 / nativeP50, 3),
      imageToResultP50Ms: round(median(browserRun.imageToResultMs)),
      inference: {
        browser: {
          backend: browserRun.backend,
          threads: browserRun.threads,
          p50Ms: round(browserP50),
          p95Ms: round(percentile(browserRun.inferenceMs, 95)),
        },
        native: {
          runtime: "onnxruntime-node (cpu)",
          threads: browserRun.threads,
          p50Ms: round(nativeP50),
          p95Ms: round(percentile(nativeMs, 95)),
        },
        maxLogitDiff,
      },
      imageToResult: {
        p50Ms: round(median(browserRun.imageToResultMs)),
        p95Ms: round(percentile(browserRun.imageToResultMs, 95)),
        stagesP50Ms: Object.fromEntries(
          Object.entries(browserRun.stages).map(([k, v]) => [k, round(median(v))]),
        ),
      },
      downloadDecryptVerify: downloads,
      targets: { browserToNativeRatio: 1.3, imageToResultP50Ms: 50 },
    };
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    console.table({
      "browser WASM inference": {
        p50: result.inference.browser.p50Ms,
        p95: result.inference.browser.p95Ms,
        note: result.inference.browser.backend,
      },
      "onnxruntime-node inference": {
        p50: result.inference.native.p50Ms,
        p95: result.inference.native.p95Ms,
        note: `${browserRun.threads} threads`,
      },
      "image -> result (browser)": {
        p50: result.imageToResult.p50Ms,
        p95: result.imageToResult.p95Ms,
        note: "decode + preprocess + infer + heatmap",
      },
      ...Object.fromEntries(
        Object.entries(downloads).map(([n, d]) => [
          `download+decrypt+verify ${n}`,
          {
            p50: d.p50Ms,
            p95: Math.max(...d.runsMs),
            note: `${(d.bytes / 1024 ** 2).toFixed(1)} MiB, ${d.mibPerSecond} MiB/s`,
          },
        ]),
      ),
    });
    console.log(
      `browserToNativeRatio ${result.browserToNativeRatio} (target <= 1.3), imageToResultP50Ms ${result.imageToResultP50Ms} (target <= 50), max |logit diff| ${maxLogitDiff.toExponential(1)}; model ${model.name}; written ${outFile.slice(repoRoot.length + 1)}`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
