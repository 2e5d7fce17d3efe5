import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InterruptedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { untilSignal } from "../signals.ts";
import { type Stack, writeStack } from "../stack/schema.ts";
import type { RunningService, StackDraft, UpOptions, UpService } from "../up/service.ts";
import { upServices } from "../up/services.ts";

export interface UpParameters {
  options: UpOptions;
  log: Logger;
  services?: UpService[];
  /** Resolves when the stack must stop; defaults to SIGINT/SIGTERM. */
  until?: Promise<unknown>;
  /** Called with the stack once it is up (tests use it). */
  onReady?: (stack: Stack) => void;
  /** Where the summary goes (default stdout). */
  print?: (text: string) => void;
}

/**
 * `neuroledger up`: starts every service of the list in order, writes `<data dir>/stack.json`,
 * prints URLs and dev accounts, waits for Ctrl-C / SIGTERM, then stops everything in reverse and
 * removes stack.json. A failure while starting stops what already runs.
 */
export async function up(params: UpParameters): Promise<Stack> {
  const { log } = params;
  const options = { ...params.options, dataDir: resolve(params.options.dataDir) };
  const signals = params.until ? undefined : untilSignal();
  const stackFile = join(options.dataDir, "stack.json");
  await mkdir(options.dataDir, { recursive: true });
  await rm(stackFile, { force: true }); // a stale file from a killed run must not mislead anyone

  const draft: StackDraft = { institutions: [], accounts: [], models: [], services: {} };
  const running: { name: string; service: RunningService }[] = [];
  const stopAll = async () => {
    for (const { name, service } of running.reverse()) {
      log.info("stopping", { service: name });
      await service
        .stop()
        .catch((err: Error) => log.error("stop failed", { service: name, error: err.message }));
    }
    await rm(stackFile, { force: true });
  };

  const interrupt = new AbortController();
  const interrupted = (params.until ?? signals?.promise)?.then(() => interrupt.abort());
  try {
    for (const service of params.services ?? upServices) {
      const result = await startService(service, { options, stack: draft, log }, interrupt.signal);
      running.push({ name: service.name, service: result });
      if (interrupt.signal.aborted)
        throw new InterruptedError(`interrupted while starting ${service.name}`);
    }
    const stack = completeStack(draft, options.dataDir);
    await writeStack(stackFile, stack);
    (params.print ?? ((t) => process.stdout.write(t)))(
      summary(
        stack,
        running.map((r) => r.service),
        stackFile,
      ),
    );
    params.onReady?.(stack);
    await interrupted;
    log.info("shutting down");
    return stack;
  } finally {
    await stopAll();
    signals?.dispose();
  }
}

/**
 * Starts one service, logging how long it took. Not raced against Ctrl-C: a service half started
 * would leak its processes. It sees the signal instead, stops what it started and throws, which
 * becomes an `InterruptedError`.
 */
async function startService(
  service: UpService,
  context: { options: UpOptions; stack: StackDraft; log: Logger },
  signal: AbortSignal,
): Promise<RunningService> {
  const { log } = context;
  if (signal.aborted) throw new InterruptedError(`interrupted before starting ${service.name}`);
  log.info("starting", { service: service.name });
  const started = Date.now();
  let result: RunningService;
  try {
    result = await service.start({ ...context, signal });
  } catch (err) {
    if (!signal.aborted) throw err;
    throw new InterruptedError(`interrupted while starting ${service.name}`, { cause: err });
  }
  if (!signal.aborted) log.info("started", { service: service.name, ms: Date.now() - started });
  return result;
}

/** The stack file's content once every service has started; throws when the list had no chain. */
function completeStack(draft: StackDraft, dataDir: string): Stack {
  if (!draft.chain)
    throw new Error("no chain in the stack: the service list lacks the chain and deploy services");
  return {
    schema: "neuroledger.stack/1",
    dataDir,
    startedAt: new Date().toISOString(),
    pid: process.pid,
    chain: draft.chain,
    institutions: draft.institutions,
    accounts: draft.accounts,
    models: draft.models,
    services: draft.services,
  };
}

function summary(stack: Stack, services: RunningService[], stackFile: string): string {
  const lines = [
    "",
    "NeuroLedger is up.",
    "",
    ...services.flatMap((s) => s.summary ?? []),
    ...Object.entries(stack.services).map(([name, s]) => `${name.padEnd(10)} ${s.url}`),
    "",
    "dev accounts (public test keys: never use them on a real network)",
    ...stack.accounts.map(
      (a) =>
        `  ${a.name.padEnd(13)} ${a.address}  ${a.privateKey}  ${a.role}${a.institution ? ` @ ${a.institution}` : ""}`,
    ),
    "",
    `stack file: ${stackFile}`,
    "try:  neuroledger status --as staff",
    stack.models[0]
      ? `      neuroledger download ${stack.models[0].id} --as staff --out model.onnx`
      : "",
    "Ctrl-C stops everything.",
    "",
  ];
  return `${lines.join("\n")}\n`;
}
