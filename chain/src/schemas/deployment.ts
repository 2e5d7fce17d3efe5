// chain/deployments/<chainId>.json (docs/interfaces.md section 5): its one zod schema, the types
// derived from it, and a checking parser. Browser-safe (no file access; `loadDeployment` in
// "@neuroledger/chain/deployment" reads the file).
import { z } from "zod";
import { EVM_VERSION, TASK, TASK_ID } from "../constants.ts";
import { addressSchema, bytes32Schema, countSchema, describeIssues } from "./primitives.ts";

/** A proxied contract: the proxy callers use and the implementation behind it. */
export const proxyContractSchema = z.object({
  address: addressSchema,
  implementation: addressSchema,
});
export type ProxyContract = z.infer<typeof proxyContractSchema>;

/** A task of the consortium and the registry that keeps its models (section 14). */
export const taskRegistrySchema = z.object({
  task: z.string().min(1),
  taskId: bytes32Schema,
  registry: proxyContractSchema,
});
export type TaskRegistry = z.infer<typeof taskRegistrySchema>;

export const deploymentParametersSchema = z.object({
  /** Seconds between a proposal and the start of voting. */
  votingDelay: countSchema,
  /** Seconds voting stays open. */
  votingPeriod: countSchema,
  /** Votes needed to propose (1 = any member). */
  proposalThreshold: countSchema,
  /** Quorum as a percentage of member votes. */
  quorumPercent: countSchema.max(100, "a percentage (0 to 100)"),
  /** Timelock delay in seconds. */
  timelockDelay: countSchema,
  /** The task string and its keccak256 id (files written before they were recorded: this package's). */
  task: z.string().min(1).default(TASK),
  taskId: bytes32Schema.default(TASK_ID),
  evmVersion: z.string().min(1).default(EVM_VERSION),
});
export type DeploymentParameters = z.infer<typeof deploymentParametersSchema>;

export const devConsortiumSchema = z.object({
  mnemonic: z.string().min(1),
  /** Named dev accounts (see the chain README): index in the mnemonic, address and part. */
  accounts: z.record(
    z.string(),
    z.object({ index: countSchema, address: addressSchema, role: z.string() }),
  ),
  institutions: z.array(z.object({ id: countSchema, name: z.string(), account: addressSchema })),
});
export type DevConsortium = z.infer<typeof devConsortiumSchema>;

export const deploymentSchema = z.object({
  chainId: countSchema.min(1, "not a chain id (a positive integer)"),
  deployBlock: countSchema,
  /** ISO 8601 time of the deployment. */
  deployedAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "not an ISO date"),
  contracts: z.object({
    membership: addressSchema,
    governor: addressSchema,
    timelock: addressSchema,
    registry: proxyContractSchema,
    /** The governed directory of tasks (docs/interfaces.md section 14); absent before issue 15. */
    taskDirectory: proxyContractSchema.optional(),
    /**
     * One registry per task (section 14), the binary task first (its registry is also `registry`).
     * Absent: one task, `parameters.task`, at `registry`.
     */
    tasks: z.array(taskRegistrySchema).min(1).optional(),
  }),
  /** Implementation behind every proxy (all four contracts are ERC-1967 proxies). */
  implementations: z.object({
    membership: addressSchema,
    governor: addressSchema,
    timelock: addressSchema,
    registry: addressSchema,
  }),
  parameters: deploymentParametersSchema,
  dev: devConsortiumSchema.optional(),
});
/** A parsed deployment file (what `deployConsortium` writes). */
export type Deployment = z.infer<typeof deploymentSchema>;

/**
 * Checks the shape of a parsed deployment file and returns it typed.
 * @param json the file's parsed JSON
 * @param source what to name in errors (the file path)
 * @throws Error `Invalid deployment file (<source>: <field>): <problem>` naming every bad field
 * @example parseDeployment(JSON.parse(text), "chain/deployments/31337.json").contracts.governor
 */
export function parseDeployment(json: unknown, source = "deployment"): Deployment {
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Invalid deployment file ${describeIssues(source, parsed.error)}`);
  }
  return parsed.data;
}
