/** `@neuroledger/sdk/ipfs`: verified reads from institution gateways (browser and Node). */
export {
  type CatParameters,
  createGatewayReader,
  type GatewayReader,
  type GatewayReaderParameters,
} from "./gatewayReader.ts";
