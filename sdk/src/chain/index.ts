/** `@neuroledger/sdk/chain`: glue between the SDK's formats and the registry's structs (browser and Node). */
export { type ChainCid, cidFromChain, cidToChain } from "./cid.ts";
export { decodeContractError } from "./contractErrors.ts";
export { checkPublishableCard } from "./publishableCard.ts";
export {
  type ChainMetrics,
  metricsToChain,
  type PublishParams,
  type PublishParamsFromCardParameters,
  publishParamsFromCard,
  taskIdOf,
} from "./publishParams.ts";
