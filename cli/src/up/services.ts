import { chainService } from "./chainService.ts";
import { demoModelService } from "./demoModelService.ts";
import { deployService } from "./deployService.ts";
import { indexerService } from "./indexerService.ts";
import { institutionNodesService } from "./institutionNodesService.ts";
import type { UpService } from "./service.ts";
import { webService } from "./webService.ts";

/**
 * What `neuroledger up` starts, in order (stopped in reverse). To add a service (indexer, web):
 * write one module exporting an `UpService` and append it here.
 */
export const upServices: UpService[] = [
  chainService,
  deployService,
  institutionNodesService,
  demoModelService,
  indexerService,
  webService,
];
