// Governance parameters of a deployment: short in dev, hours/days in production.
import { TASK, TASK_ID } from "../constants.ts";
import type { DeploymentParameters } from "../schemas/deployment.ts";

/** Dev: vote within seconds so demos and tests stay fast. */
export const DEV_PARAMETERS: DeploymentParameters = {
  votingDelay: 1,
  votingPeriod: 30,
  proposalThreshold: 1,
  quorumPercent: 50,
  timelockDelay: 5,
  task: TASK,
  taskId: TASK_ID,
  evmVersion: "cancun",
};

/** Production defaults: a day before voting opens, a week to vote, two days of timelock. */
export const PRODUCTION_PARAMETERS: DeploymentParameters = {
  ...DEV_PARAMETERS,
  votingDelay: 24 * 3600,
  votingPeriod: 7 * 24 * 3600,
  timelockDelay: 2 * 24 * 3600,
};
