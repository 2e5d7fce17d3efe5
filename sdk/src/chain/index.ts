/** `@neuroledger/sdk/chain`: glue between the SDK's formats and the registry's structs (browser and Node). */
export { type ChainCid, cidFromChain, cidToChain } from "./cid.ts";
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
export {
  type ChainMetrics,
  metricsToChain,
  PUBLISHED_CID_CODECS,
  type PublishParams,
  type PublishParamsFromCardParameters,
  publishParamsFromCard,
  taskIdOf,
} from "./publishParams.ts";
