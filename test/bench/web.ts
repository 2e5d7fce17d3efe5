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
 * - dicom: a DICOM_SLICES-slice 16-bit 512x512 MR-like series (explicit VR little endian, and the
 *   same recompressed to JPEG-LS by dcmtk), made at run time from Br35H images with pydicom: files
 *   in memory -> study result with the dApp's `readStudy` and its study workers (one
 *   single-threaded session per core; target <= 3 s), the same in the page alone
 *   (`browserInPageStudyP50Ms`), and the same work in onnxruntime-node, one session, slice after
 *   slice (`studyBrowserToNativeRatio`, target <= 1.5); one DICOM slice image -> result p50
 *   (target <= 50 ms). BENCH_RUNS, BENCH_DOWNLOAD_RUNS, BENCH_DICOM_SLICES, BENCH_DICOM_RUNS, BENCH_THREADS,
 *   BENCH_STUDY_WORKERS and BENCH_MODEL_DIR change the runs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { availableParallelism, tmpdir } from "node:os";
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
import { decodeDicom, groupDicomSeries, summarizeSeries } from "@neuroledger/sdk/dicom";
import { classifyImage, preprocessImage } from "@neuroledger/sdk/inference";
import { createNodeRuntime, readImageFile } from "@neuroledger/sdk/node";
import { chromiumArgs, chromiumPath } from "@neuroledger/web/chromium";
import { crossOriginIsolation } from "@neuroledger/web/cross-origin-isolation";
import { type Browser, chromium, type Page } from "playwright-core";
import { privateKeyToAccount } from "viem/accounts";
import { createServer } from "vite";

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const WARMUP = 10;
const DOWNLOAD_RUNS = Number(process.env.BENCH_DOWNLOAD_RUNS ?? 3);
const DICOM_SLICES = Number(process.env.BENCH_DICOM_SLICES ?? 150);
const DICOM_RUNS = Number(process.env.BENCH_DICOM_RUNS ?? 3);
const repoRoot = resolve(import.meta.dirname, "../..");
const outFile = join(import.meta.dirname, "web.json");

function pickModel() {
  // A relative BENCH_MODEL_DIR is read from the repository root (the README's commands run there).
  const dirs = process.env.BENCH_MODEL_DIR
    ? [resolve(repoRoot, process.env.BENCH_MODEL_DIR)]
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

/**
 * Writes the benchmark series: DICOM_SLICES slices of 512x512, 12 bits in 16, explicit VR, from
 * Br35H images (../shared/data when present, else the model's vector PNGs), and their JPEG-LS copies.
 */
function makeDicomSeries(sampleDir: string): { explicit: string[]; jpegls: string[]; dir: string } {
  const shared = join(repoRoot, "..", "shared", "data", "br35h", "yes");
  const sourceDir = existsSync(shared) ? shared : sampleDir;
  const sources = readdirSync(sourceDir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(sourceDir, f));
  const dir = mkdtempSync(join(tmpdir(), "nl-bench-dicom-"));
  const specs = Array.from({ length: DICOM_SLICES }, (_, i) => ({
    image: sources[i % sources.length],
    size16: 512,
    out: join(dir, `IM${i}.dcm`),
    series: "1.2.826.0.1.3680043.99.150",
    position: [0, 0, 3 * i],
    instance: i + 1,
    window: [1000, 2000],
  }));
  writeFileSync(join(dir, "spec.json"), JSON.stringify(specs));
  execFileSync("/usr/bin/python3", [
    join(repoRoot, "sdk/src/dicom/testing/make_dicom.py"),
    join(dir, "spec.json"),
  ]);
  const jpegls = specs.map((s) => {
    const out = s.out.replace(/\.dcm$/, ".jls.dcm");
    execFileSync("dcmcjpls", [s.out, out]);
    return out;
  });
  return { explicit: specs.map((s) => s.out), jpegls, dir };
}

/** The same study work in Node: decode every slice, group, order, classify each, summarise. */
async function nativeStudy(
  runtime: Awaited<ReturnType<typeof createNodeRuntime>>,
  card: ReturnType<typeof parseModelCard>,
  paths: string[],
) {
  const buffers = paths.map((p) => new Uint8Array(readFileSync(p)));
  const t = performance.now();
  const files = [];
  for (const [i, bytes] of buffers.entries())
    files.push({ file: String(i), dicom: await decodeDicom(bytes) });
  let probability = 0;
  for (const study of groupDicomSeries(files))
    for (const series of study.series) {
      const ps = [];
      for (const slice of series.slices)
        ps.push((await classifyImage(runtime, slice.frame.image, card)).probability);
      probability = Math.max(probability, summarizeSeries(ps).probability);
    }
  return { ms: performance.now() - t, probability };
}

type Model = ReturnType<typeof pickModel>;
type Card = ReturnType<typeof parseModelCard>;
type NativeRuntime = Awaited<ReturnType<typeof createNodeRuntime>>;
type Series = ReturnType<typeof makeDicomSeries>;
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
  dicomSeries: (a: object) => Promise<{
    /** By reader ("workers": the dApp's study workers; "page": in the page), then series kind. */
    studyMs: Record<"workers" | "page", Record<string, number[]>>;
    studyProbability: Record<string, number>;
    sliceMs: number[];
    threads: number;
    workers: number;
  }>;
};
type BrowserInference = Awaited<ReturnType<Bench["inference"]>>;
type Downloads = Record<
  string,
  { bytes: number; p50Ms: number; runsMs: number[]; mibPerSecond: number }
>;
/** The signer of the download measurement: its key and the signature its account key comes from. */
type DownloadSigner = {
  address: `0x${string}`;
  signature: `0x${string}`;
  domain: { chainId: number; registry: string };
};

/** Encrypted copies of `payloads` for the download measurement, wrapped for one dev account. */
async function addEncryptedPayloads(
  files: Map<string, Uint8Array>,
  payloads: Record<string, Uint8Array>,
): Promise<DownloadSigner> {
  const signer = privateKeyToAccount(
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  ); // public dev key
  const domain = { chainId: 31337, registry: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707" };
  const signature = await signer.signMessage({ message: accountKeyMessage(domain) });
  const accountKey = await accountKeyFromSignature(signature, domain);
  for (const [name, plaintext] of Object.entries(payloads)) {
    const contentKey = generateContentKey();
    const keyring = await buildKeyring(contentKey, [
      { account: signer.address, publicKey: publicKeyHex(accountKey) },
    ]);
    files.set(`/${name}.keyring`, new TextEncoder().encode(serializeKeyring(keyring)));
    files.set(`/${name}.container`, await encryptBytes(contentKey, plaintext));
  }
  return { address: signer.address, signature, domain };
}

/** Adds the DICOM series' files to `files`; returns their URLs by kind. */
function addDicomSeries(files: Map<string, Uint8Array>, series: Series): Record<string, string[]> {
  const seriesUrls: Record<string, string[]> = { explicit: [], jpegls: [] };
  for (const kind of ["explicit", "jpegls"] as const)
    series[kind].forEach((path, i) => {
      files.set(`/dicom/${kind}/${i}`, new Uint8Array(readFileSync(path)));
      seriesUrls[kind]?.push(`/dicom/${kind}/${i}`);
    });
  return seriesUrls;
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < bytes.length; i += 65536)
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

/** The bench page's Vite server on 127.0.0.1 (cross-origin isolated), serving `files`. */
async function startPageServer(files: Map<string, Uint8Array>) {
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
  return { server, url };
}

/** Opens the bench page and waits until it is ready; throws when it is not cross-origin isolated. */
async function openBenchPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`[page] ${e.message}`));
  const query = new URLSearchParams();
  if (process.env.BENCH_THREADS) query.set("threads", process.env.BENCH_THREADS);
  if (process.env.BENCH_STUDY_WORKERS) query.set("workers", process.env.BENCH_STUDY_WORKERS);
  await page.goto(query.size ? `${url}?${query}` : url);
  await page.waitForFunction(
    () => document.getElementById("status")?.textContent === "ready",
    undefined,
    { timeout: 120_000 },
  );
  if (!(await page.evaluate(() => crossOriginIsolated)))
    throw new Error("the bench page is not cross-origin isolated");
  return page;
}

/** onnxruntime-node, same model, same input, same threads as the browser run. */
async function measureNative(native: NativeRuntime, model: Model, card: Card) {
  const input = preprocessImage(await readImageFile(model.image), card.preprocessing);
  const { height, width } = card.preprocessing.resize;
  const tensor = new native.Tensor("float32", input, [1, 3, height, width]);
  for (let i = 0; i < WARMUP; i++) await native.session.run({ image: tensor });
  const nativeMs: number[] = [];
  let logits: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const out = await native.session.run({ image: tensor });
    nativeMs.push(performance.now() - t);
    logits = Array.from(out.logits?.data as Float32Array);
  }
  return { nativeMs, logits };
}

/** The DICOM study in the page and in Node, per series kind, and one slice's image -> result. */
async function measureDicom(
  page: Page,
  native: NativeRuntime,
  card: Card,
  series: Series,
  seriesUrls: Record<string, string[]>,
) {
  const dicomRun = await page.evaluate(
    (args) => (window as unknown as { bench: Bench }).bench.dicomSeries(args),
    {
      modelUrl: "/model.onnx",
      cardUrl: "/card.json",
      seriesUrls,
      sliceUrl: "/dicom/explicit/0",
      runs: DICOM_RUNS,
      sliceRuns: RUNS,
    },
  );
  const dicom: Record<string, object> = {};
  for (const kind of ["explicit", "jpegls"] as const) {
    await nativeStudy(native, card, series[kind].slice(0, 4)); // warm-up
    const nativeRuns = [];
    let nativeProbability = 0;
    for (let r = 0; r < DICOM_RUNS; r++) {
      const n = await nativeStudy(native, card, series[kind]);
      nativeRuns.push(n.ms);
      nativeProbability = n.probability;
    }
    const browserMs = median(dicomRun.studyMs.workers[kind] ?? []);
    dicom[kind] = {
      slices: DICOM_SLICES,
      browserStudyP50Ms: round(browserMs),
      browserInPageStudyP50Ms: round(median(dicomRun.studyMs.page[kind] ?? [])),
      nativeStudyP50Ms: round(median(nativeRuns)),
      studyBrowserToNativeRatio: round(browserMs / median(nativeRuns), 3),
      studyProbabilityDiff: Math.abs((dicomRun.studyProbability[kind] ?? 0) - nativeProbability),
    };
  }
  return {
    dicom,
    sliceP50: median(dicomRun.sliceMs),
    threads: dicomRun.threads,
    workers: dicomRun.workers,
  };
}

/** Keyring + container over HTTP, unwrap, streaming decrypt and sha256 check in the page. */
async function measureDownloads(
  page: Page,
  payloads: Record<string, Uint8Array>,
  signer: DownloadSigner,
): Promise<Downloads> {
  const downloads: Downloads = {};
  for (const [name, plaintext] of Object.entries(payloads)) {
    const runsMs: number[] = [];
    for (let i = 0; i < DOWNLOAD_RUNS; i++) {
      const r = await page.evaluate(
        (args) => (window as unknown as { bench: Bench }).bench.download(args),
        {
          keyringUrl: `/${name}.keyring`,
          containerUrl: `/${name}.container`,
          account: signer.address,
          signature: signer.signature,
          domain: signer.domain,
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
  return downloads;
}

/** web.json's content: every figure of the run beside its target. */
function benchResult(m: {
  model: Model;
  modelBytes: number;
  chromium: string;
  browserRun: BrowserInference;
  nativeMs: number[];
  maxLogitDiff: number;
  downloads: Downloads;
  dicom: Awaited<ReturnType<typeof measureDicom>>;
}) {
  const { browserRun } = m;
  const browserP50 = median(browserRun.inferenceMs);
  const nativeP50 = median(m.nativeMs);
  return {
    schema: "neuroledger.bench.web/1",
    measuredAt: new Date().toISOString(),
    machine: { cpus: availableParallelism(), chromium: m.chromium, node: process.version },
    model: {
      name: m.model.name,
      bytes: m.modelBytes,
      image: m.model.image.startsWith(repoRoot)
        ? m.model.image.slice(repoRoot.length + 1)
        : m.model.image,
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
        p95Ms: round(percentile(m.nativeMs, 95)),
      },
      maxLogitDiff: m.maxLogitDiff,
    },
    imageToResult: {
      p50Ms: round(median(browserRun.imageToResultMs)),
      p95Ms: round(percentile(browserRun.imageToResultMs, 95)),
      stagesP50Ms: Object.fromEntries(
        Object.entries(browserRun.stages).map(([k, v]) => [k, round(median(v))]),
      ),
    },
    downloadDecryptVerify: m.downloads,
    dicom: {
      series: m.dicom.dicom,
      sliceImageToResultP50Ms: round(m.dicom.sliceP50),
      threads: m.dicom.threads,
      studyWorkers: m.dicom.workers,
    },
    targets: {
      browserToNativeRatio: 1.3,
      imageToResultP50Ms: 50,
      dicomStudyMs: 3000,
      studyBrowserToNativeRatio: 1.5,
      dicomSliceImageToResultP50Ms: 50,
    },
  };
}

function printResult(result: ReturnType<typeof benchResult>, modelName: string) {
  console.table({
    "browser WASM inference": {
      p50: result.inference.browser.p50Ms,
      p95: result.inference.browser.p95Ms,
      note: result.inference.browser.backend,
    },
    "onnxruntime-node inference": {
      p50: result.inference.native.p50Ms,
      p95: result.inference.native.p95Ms,
      note: `${result.inference.browser.threads} threads`,
    },
    "image -> result (browser)": {
      p50: result.imageToResult.p50Ms,
      p95: result.imageToResult.p95Ms,
      note: "decode + preprocess + infer + heatmap",
    },
    ...Object.fromEntries(
      Object.entries(result.downloadDecryptVerify).map(([n, d]) => [
        `download+decrypt+verify ${n}`,
        {
          p50: d.p50Ms,
          p95: Math.max(...d.runsMs),
          note: `${(d.bytes / 1024 ** 2).toFixed(1)} MiB, ${d.mibPerSecond} MiB/s`,
        },
      ]),
    ),
  });
  console.table(result.dicom.series);
  console.log(
    `DICOM slice image -> result p50 ${result.dicom.sliceImageToResultP50Ms} ms (target <= 50)`,
  );
  console.log(
    `browserToNativeRatio ${result.browserToNativeRatio} (target <= 1.3), imageToResultP50Ms ${result.imageToResultP50Ms} (target <= 50), max |logit diff| ${result.inference.maxLogitDiff.toExponential(1)}; model ${modelName}; written ${outFile.slice(repoRoot.length + 1)}`,
  );
}

async function main() {
  const model = pickModel();
  const modelBytes = new Uint8Array(readFileSync(join(model.dir, "model.onnx")));
  const cardBytes = new Uint8Array(readFileSync(join(model.dir, "card.json")));
  const card = parseModelCard(cardBytes);
  const files = new Map<string, Uint8Array>([
    ["/model.onnx", modelBytes],
    ["/card.json", cardBytes],
    ["/image", new Uint8Array(readFileSync(model.image))],
  ]);
  const series = makeDicomSeries(join(model.image, ".."));
  const seriesUrls = addDicomSeries(files, series);
  const payloads = { [model.name]: modelBytes, "64MiB": randomBytes(64 * 1024 * 1024) };
  const signer = await addEncryptedPayloads(files, payloads);

  const { server, url } = await startPageServer(files);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const page = await openBenchPage(browser, url);
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
    const native = await createNodeRuntime(modelBytes, { threads: browserRun.threads });
    const { nativeMs, logits } = await measureNative(native, model, card);
    const maxLogitDiff = Math.max(
      ...logits.map((v, i) => Math.abs(v - (browserRun.logits[i] as number))),
    );
    const dicom = await measureDicom(page, native, card, series, seriesUrls);
    rmSync(series.dir, { recursive: true, force: true });
    const downloads = await measureDownloads(page, payloads, signer);
    const result = benchResult({
      model,
      modelBytes: modelBytes.length,
      chromium: browser.version(),
      browserRun,
      nativeMs,
      maxLogitDiff,
      downloads,
      dicom,
    });
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    printResult(result, model.name);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
