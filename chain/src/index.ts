// @neuroledger/chain: ABIs (generated from the build), role ids, event names, dev accounts and
// the deployment file format. Browser-safe; readDeployment lives in "@neuroledger/chain/deployment".
export * from "../abi/index.ts";
export * from "./constants.ts";
export * from "./deployment.ts";
export * from "./dev.ts";
export * from "./proposals.ts";
export * from "./records.ts";
export * from "./roles.ts";
