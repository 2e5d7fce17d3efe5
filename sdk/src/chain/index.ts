/** `@neuroledger/sdk/chain`: glue between the SDK's formats and the registry's structs (browser and Node). */
export {
  type ChainCid,
  cidFromChain,
  cidToChain,
  codecName,
  PUBLISHED_CID_CODECS,
} from "./cid.ts";
export { decodeContractError } from "./contractErrors.ts";
export {
  type ChainMetrics,
  checkPublishableCard,
  metricsToChain,
  type PublishParams,
  type PublishParamsFromCardParameters,
  publishParamsFromCard,
  taskIdOf,
} from "./publishParams.ts";
