// chain/deployments/<chainId>.json (docs/interfaces.md section 5): its one zod schema, the types
// derived from it, and a checking parser. Browser-safe (no file access; `loadDeployment` in
// "@neuroledger/chain/deployment" reads the file).
import { keccak256, toBytes } from "viem";
import { z } from "zod";
import { EVM_VERSION, TASK, TASK_ID } from "../constants.ts";
import { addressSchema, bytes32Schema, countSchema, describeIssues } from "./primitives.ts";
import { taskNameSchema } from "./taskName.ts";

/** A proxied contract: the proxy callers use and the implementation behind it. */
export const proxyContractSchema = z.object({
  address: addressSchema,
  implementation: addressSchema,
});
export type ProxyContract = z.infer<typeof proxyContractSchema>;

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

/** One task of the consortium and its registry (docs/interfaces.md section 14). */
export const deploymentTaskSchema = z.object({
  /** The card's task name, e.g. `brain-tumor-mri/type` (the directory's rule: `taskNameSchema`). */
  task: taskNameSchema,
  /** keccak256(bytes(task)), the registry's `taskId()`. */
  taskId: bytes32Schema,
  registry: proxyContractSchema,
});
export type DeploymentTask = z.infer<typeof deploymentTaskSchema>;

export const deploymentSchema = z
  .object({
    chainId: countSchema.min(1, "not a chain id (a positive integer)"),
    deployBlock: countSchema,
    /**
     * The last block of the deployment's own transactions: every task of `contracts.tasks` was
     * listed by then (the indexer follows tasks added later from the block after). Absent in files
     * written before it was recorded.
     */
    deployEndBlock: countSchema.optional(),
    /** ISO 8601 time of the deployment. */
    deployedAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "not an ISO date"),
    contracts: z.object({
      membership: addressSchema,
      governor: addressSchema,
      timelock: addressSchema,
      registry: proxyContractSchema,
      /** The TaskDirectory (files written before tasks: absent, one task = `registry`). */
      taskDirectory: proxyContractSchema.optional(),
      /** Every task's registry, in directory order; the first is `registry`'s task. */
      tasks: z.array(deploymentTaskSchema).min(1).optional(),
    }),
    /** Implementation behind every proxy (all four contracts are ERC-1967 proxies). */
    implementations: z.object({
      membership: addressSchema,
      governor: addressSchema,
      timelock: addressSchema,
      registry: addressSchema,
      taskDirectory: addressSchema.optional(),
    }),
    parameters: deploymentParametersSchema,
    dev: devConsortiumSchema.optional(),
  })
  .superRefine((deployment, context) => {
    if (
      deployment.deployEndBlock !== undefined &&
      deployment.deployEndBlock < deployment.deployBlock
    ) {
      context.addIssue({
        code: "custom",
        path: ["deployEndBlock"],
        message: `before deployBlock (${deployment.deployBlock})`,
      });
    }
    const tasks = deployment.contracts.tasks;
    if (tasks?.[0] === undefined) return;
    if (
      tasks[0].registry.address.toLowerCase() !==
      deployment.contracts.registry.address.toLowerCase()
    ) {
      context.addIssue({
        code: "custom",
        path: ["contracts", "tasks", 0, "registry", "address"],
        message: "the first task's registry must be contracts.registry",
      });
    }
    const seen = new Set<string>();
    tasks.forEach((entry, index) => {
      if (seen.has(entry.task)) {
        context.addIssue({
          code: "custom",
          path: ["contracts", "tasks", index, "task"],
          message: `task ${entry.task} listed twice`,
        });
      }
      seen.add(entry.task);
      if (entry.taskId.toLowerCase() !== keccak256(toBytes(entry.task))) {
        context.addIssue({
          code: "custom",
          path: ["contracts", "tasks", index, "taskId"],
          message: `not keccak256 of "${entry.task}"`,
        });
      }
    });
  });
/** A parsed deployment file (what `deployConsortium` writes). */
export type Deployment = z.infer<typeof deploymentSchema>;

/**
 * Every task of a deployment with its registry, in directory order. A file written before tasks
 * has one: `parameters.task` served by `contracts.registry`.
 */
export function deploymentTasks(deployment: Deployment): DeploymentTask[] {
  return (
    deployment.contracts.tasks ?? [
      {
        task: deployment.parameters.task,
        taskId: deployment.parameters.taskId,
        registry: deployment.contracts.registry,
      },
    ]
  );
}

/**
 * The registry of a task (docs/interfaces.md section 14).
 * @param task a task name, e.g. `brain-tumor-mri/type`
 * @throws Error `Unknown task "<task>"; this deployment runs: <names>` for a task it does not run
 * @example taskRegistry(deployment, "brain-tumor-mri/type").address
 */
export function taskRegistry(deployment: Deployment, task: string): DeploymentTask["registry"] {
  const tasks = deploymentTasks(deployment);
  const found = tasks.find((entry) => entry.task === task);
  if (found === undefined) {
    throw new Error(
      `Unknown task ${JSON.stringify(task)}; this deployment runs: ${tasks.map((t) => t.task).join(", ")}`,
    );
  }
  return found.registry;
}

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
