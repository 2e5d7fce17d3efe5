/** `@neuroledger/sdk/chain`: glue between the SDK's formats and the registry's structs (browser and Node). */
export { type ChainCid, cidFromChain, cidToChain, PUBLISHED_CID_CODECS } from "./cid.ts";
export { decodeContractError } from "./contractErrors.ts";
export {
  type CheckedKeyring,
  checkKeyringForModel,
  type KeyringModel,
  keyringCandidates,
  type ReadModelKeyringParameters,
  type ReadModelKeyringReturnType,
  readModelKeyring,
} from "./modelKeyring.ts";
export { checkPublishableCard } from "./publishableCard.ts";
export {
  type ChainMetrics,
  metricsToChain,
  type PublishParams,
  type PublishParamsFromCardParameters,
  publishParamsFromCard,
  taskIdOf,
} from "./publishParams.ts";
