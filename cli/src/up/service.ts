import type { Logger } from "../log.ts";
import type { DevAccount, Institution, Stack } from "../stack/schema.ts";

/** Options of `neuroledger up` that services read. Port 0 means "any free port". */
export interface UpOptions {
  repoRoot: string;
  dataDir: string;
  chainPort: number;
  chainId: number;
  /** Seconds between blocks on the local chain. */
  blockTime: number;
  /** First institution gateway port; institution i gets base + i (0 = any free port). */
  gatewayPortBase: number;
  /** Model folder to publish at start (model.onnx + card.json); undefined = the bundled demo. */
  model?: string;
  /** Skip publishing a model. */
  noModel?: boolean;
  /**
   * The institutions' private evaluation sets (their nodes run `--evaluate-on`); undefined: none.
   * `folders`: institution (name, slug, first word or dev account name) -> folder; `bundled`:
   * the others get disjoint shares of the bundled samples.
   */
  evaluation?: { folders: Record<string, string>; bundled: boolean };
}

/** What the services build up; `up` checks it against `stackSchema` before writing stack.json. */
export interface StackDraft {
  /** Set by the chain service, read by the deploy service. */
  rpcUrl?: string;
  chain?: Stack["chain"];
  institutions: Institution[];
  accounts: DevAccount[];
  models: Stack["models"];
  services: Stack["services"];
}

export interface UpContext {
  options: UpOptions;
  stack: StackDraft;
  log: Logger;
  /** Aborted on Ctrl-C while starting: a service stops what it started and throws. */
  signal: AbortSignal;
}

export interface RunningService {
  stop(): Promise<void>;
  /** Lines for the summary `up` prints once everything runs (URLs, accounts). */
  summary?: string[];
}

/**
 * One part of the one-machine stack. `up` starts the services of its list in order (each may read
 * what earlier ones put in `ctx.stack`) and stops them in reverse. The indexer and the web app add
 * themselves by appending a service to the list in `services.ts` and writing
 * `ctx.stack.services.<name> = { url, ... }`.
 */
export interface UpService {
  name: string;
  start(ctx: UpContext): Promise<RunningService>;
}
