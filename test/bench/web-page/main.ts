// The in-browser half of `pnpm bench:web`: the dApp's own modules (@neuroledger/web) timed in
// Chromium. The Node half (../web.ts) calls these through page.evaluate.

import { parseModelCard } from "@neuroledger/sdk/card";
import { accountKeyFromSignature, type Hex } from "@neuroledger/sdk/crypto";
import { classifyImage, preprocessImage } from "@neuroledger/sdk/inference";
import { classifyFile } from "@neuroledger/web/lib/inference/classify.ts";
import { decodeImageFile } from "@neuroledger/web/lib/inference/decode.ts";
import {
  chooseBackend,
  createRuntime,
  describeBackend,
} from "@neuroledger/web/lib/inference/runtime.ts";
import { readStudy } from "@neuroledger/web/lib/inference/study.ts";
import {
  type DicomFileReader,
  dicomFileReader,
} from "@neuroledger/web/lib/inference/studySlices.ts";
import { startStudyWorkers } from "@neuroledger/web/lib/inference/studyWorkers.ts";
import { openModel, unlockContentKey } from "@neuroledger/web/lib/models/open-model.ts";

async function bytesOf(url: string) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function inference({
  modelUrl,
  cardUrl,
  imageUrl,
  runs,
  warmup,
}: {
  modelUrl: string;
  cardUrl: string;
  imageUrl: string;
  runs: number;
  warmup: number;
}) {
  const card = parseModelCard(await bytesOf(cardUrl));
  const chosen = await chooseBackend("wasm");
  const threadsOverride = Number(new URL(location.href).searchParams.get("threads") ?? 0);
  const backend =
    threadsOverride && chosen.kind === "wasm" ? { ...chosen, threads: threadsOverride } : chosen;
  const runtime = await createRuntime(await bytesOf(modelUrl), backend);
  const image = new Blob([await bytesOf(imageUrl)], { type: "image/jpeg" });
  const { pixels } = await decodeImageFile(image);
  const input = preprocessImage(pixels, card.preprocessing);
  const { height, width } = card.preprocessing.resize;
  const tensor = new runtime.Tensor("float32", input, [1, 3, height, width]);
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let i = 0; i < warmup; i++) await runtime.session.run({ image: tensor });
  const inferenceMs: number[] = [];
  for (let i = 0; i < runs; i++)
    inferenceMs.push(await time(() => runtime.session.run({ image: tensor })));
  for (let i = 0; i < warmup; i++) await classifyFile(runtime, card, image);
  const imageToResultMs: number[] = [];
  const stages: Record<string, number[]> = {
    decode: [],
    preprocess: [],
    inference: [],
    heatmap: [],
  };
  for (let i = 0; i < runs; i++) {
    const r = await classifyFile(runtime, card, image);
    imageToResultMs.push(r.elapsedMs);
    for (const [k, v] of Object.entries(r.timings)) stages[k]?.push(v);
  }
  const last = await classifyFile(runtime, card, image);
  return {
    backend: describeBackend(backend),
    threads: backend.kind === "wasm" ? backend.threads : 0,
    inferenceMs,
    imageToResultMs,
    stages,
    logits: last.classification.logits,
  };
}

async function download({
  keyringUrl,
  containerUrl,
  account,
  signature,
  domain,
  expectedSha256,
}: {
  keyringUrl: string;
  containerUrl: string;
  account: string;
  signature: Hex;
  domain: { chainId: number; registry: string };
  expectedSha256: string;
}) {
  const started = performance.now();
  const accountKey = await accountKeyFromSignature(signature, domain);
  const contentKey = await unlockContentKey(await bytesOf(keyringUrl), account, accountKey);
  const response = await fetch(containerUrl);
  if (!response.ok || !response.body) throw new Error(`${containerUrl}: ${response.status}`);
  let progressEvents = 0;
  const model = await openModel({
    ciphertext: response.body,
    totalBytes: Number(response.headers.get("content-length")),
    contentKey,
    expectedSha256,
    onProgress: () => {
      progressEvents++;
    },
  });
  return { ms: performance.now() - started, bytes: model.length, progressEvents };
}

/** `runs` timed reads of a study (after a warm-up), and its study probability. */
async function timeStudy(files: File[], read: DicomFileReader, runs: number) {
  await readStudy(files.slice(0, 4), read); // warm-up: codecs compiled, sessions warm
  const times: number[] = [];
  let probability = 0;
  for (let r = 0; r < runs; r++) {
    const study = await readStudy(files, read);
    times.push(study.elapsedMs);
    probability = Math.max(...study.series.map((s) => s.result.probability));
  }
  return { times, probability };
}

/**
 * A dropped DICOM series, as the dApp's study view reads it (`readStudy`): the files are in memory
 * (as after a drop), the time runs from them to the study result (decode every slice, group, order,
 * classify each, summarise). Also one DICOM slice, image to result, through `classifyFile`.
 */
async function dicomSeries({
  modelUrl,
  cardUrl,
  seriesUrls,
  sliceUrl,
  runs,
  sliceRuns,
}: {
  modelUrl: string;
  cardUrl: string;
  seriesUrls: Record<string, string[]>;
  sliceUrl: string;
  runs: number;
  sliceRuns: number;
}) {
  const card = parseModelCard(await bytesOf(cardUrl));
  const chosen = await chooseBackend("wasm");
  const threadsOverride = Number(new URL(location.href).searchParams.get("threads") ?? 0);
  const backend =
    threadsOverride && chosen.kind === "wasm" ? { ...chosen, threads: threadsOverride } : chosen;
  const modelBytes = await bytesOf(modelUrl);
  const runtime = await createRuntime(modelBytes, backend);
  // The dApp's readers: study workers on WASM (one session per core), and the page itself.
  const workersOverride = Number(new URL(location.href).searchParams.get("workers") ?? 0);
  const workers = await startStudyWorkers(modelBytes, card, workersOverride || undefined);
  const readers = {
    workers: workers.read,
    page: dicomFileReader((image) => classifyImage(runtime, image, card)),
  };
  const studyMs: Record<string, Record<string, number[]>> = { workers: {}, page: {} };
  const studyProbability: Record<string, number> = {};
  for (const [name, urls] of Object.entries(seriesUrls)) {
    const files = await Promise.all(
      urls.map(async (url, i) => new File([await bytesOf(url)], `IM${i}.dcm`)),
    );
    for (const [readerName, read] of Object.entries(readers)) {
      const { times, probability } = await timeStudy(files, read, runs);
      (studyMs[readerName] as Record<string, number[]>)[name] = times;
      if (readerName === "workers") studyProbability[name] = probability;
    }
  }
  workers.close();
  const slice = new File([await bytesOf(sliceUrl)], "slice.dcm");
  for (let i = 0; i < 5; i++) await classifyFile(runtime, card, slice);
  const sliceMs: number[] = [];
  for (let i = 0; i < sliceRuns; i++)
    sliceMs.push((await classifyFile(runtime, card, slice)).elapsedMs);
  return {
    studyMs,
    studyProbability,
    sliceMs,
    threads: backend.kind === "wasm" ? backend.threads : 0,
    workers: workers.size,
  };
}

Object.assign(window, { bench: { inference, download, dicomSeries } });
const status = document.getElementById("status");
if (status) status.textContent = "ready";
