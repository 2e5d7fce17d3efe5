/** `@neuroledger/sdk/ipfs`: verified reads from institution gateways (browser and Node). */
export {
  type CatParameters,
  createGatewayReader,
  type GatewayReader,
  type GatewayReaderParameters,
} from "./gatewayReader.ts";
export {
  createGatewaySession,
  GATEWAY_SIGN_IN_MAX_MS,
  GATEWAY_SIGN_IN_STATEMENT,
  type GatewayNonce,
  type GatewaySession,
  type GatewaySessionParameters,
  type GatewayToken,
  type MessageSigner,
} from "./gatewaySession.ts";
export { type IdleTimeout, idleTimeout } from "./idleTimeout.ts";
export { type FetchPublicKeyringParameters, fetchPublicKeyring } from "./publicKeyring.ts";
