// Node-only deployment API (exported as "@neuroledger/chain/deploy"); needs the build artifacts.

export { freePort } from "../net.ts";
export * from "./deployConsortium.ts";
export * from "./ensureDeployment.ts";
export * from "./localNode.ts";
export * from "./parameters.ts";
