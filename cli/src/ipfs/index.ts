export { controlApi, listPins, pin, unpin } from "./api.ts";
export { NodeClient } from "./client.ts";
export { type Gateway, type GatewayOptions, startGateway } from "./gateway.ts";
export { type IpfsHelia, type IpfsNode, type IpfsNodeOptions, startIpfsNode } from "./node.ts";
