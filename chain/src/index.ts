// @neuroledger/chain: ABIs (generated from the build), role ids, event names, dev accounts and
// the shared files' types. Browser-safe. Schemas and parsers: "@neuroledger/chain/schemas";
// typed contract reads and calls: "@neuroledger/chain/actions"; file readers (Node):
// "@neuroledger/chain/deployment".
export * from "../abi/index.ts";
export * from "./constants.ts";
export * from "./dev.ts";
export * from "./gas.ts";
export * from "./proposals.ts";
export * from "./records.ts";
export * from "./roles.ts";
export type {
  Deployment,
  DeploymentParameters,
  DeploymentTask,
  DevConsortium,
  ProxyContract,
} from "./schemas/deployment.ts";
export type { Stack, StackAccount, StackInstitution, StackService } from "./schemas/stack.ts";
