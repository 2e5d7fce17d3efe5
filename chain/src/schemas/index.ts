// @neuroledger/chain/schemas: one zod schema per file the packages share, with its parser and
// types by z.infer (docs/interfaces.md). Browser-safe; kept off the main entry so pages that only
// need ABIs do not bundle zod. Node readers: `loadDeployment` in "@neuroledger/chain/deployment".
export * from "./deployment.ts";
export * from "./primitives.ts";
export * from "./stack.ts";
export * from "./taskName.ts";
