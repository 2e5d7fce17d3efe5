/** `@neuroledger/cli` as a library: the commands' functions (tests and `up` call them directly). */

export { NodeClient, startGateway, startIpfsNode } from "./ipfs/index.ts";
export { main } from "./main.ts";
export { readStack, type Stack, stackSchema } from "./stack/schema.ts";
