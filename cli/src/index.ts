/**
 * `@neuroledger/cli` as a library: the only entry other packages may import (package.json
 * `exports` has nothing else). The commands' functions, `up`'s services and the storage path, for
 * tests and benchmarks that drive them directly.
 */

export { type DownloadParameters, type DownloadResult, download } from "./commands/download.ts";
export { publish } from "./commands/publish.ts";
export { up } from "./commands/up.ts";
export { type Connection, type ConnectionFlags, resolveConnection } from "./config.ts";
export { EXIT_CODE_OF_CATEGORY, ExitCode, exitCodeOf } from "./errors.ts";
export { NodeClient, startGateway, startIpfsNode } from "./ipfs/index.ts";
export { createLogger, type Logger, silentLogger } from "./log.ts";
export { main } from "./main.ts";
export { type ContentStore, fetchVerified, heliaStore, sealAndAdd } from "./models/storage.ts";
export { readStack, type Stack, stackSchema } from "./stack/schema.ts";
export { chainService } from "./up/chainService.ts";
export { defaultModelDir } from "./up/demoModelService.ts";
export { deployService } from "./up/deployService.ts";
export { institutionNodesService } from "./up/institutionNodesService.ts";
