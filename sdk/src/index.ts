/**
 * `@neuroledger/sdk`: the browser-safe public API (no Node built-ins). Node-only helpers (file
 * decoders, onnxruntime-node, atomic writes) live in `@neuroledger/sdk/node`; IPFS reads (Helia) in `@neuroledger/sdk/ipfs`, kept out of
 * this entry so bundles that do not fetch from IPFS stay small.
 */
export * from "./card/index.ts";
export * from "./chain/index.ts";
export * from "./crypto/index.ts";
export * from "./errors.ts";
export * from "./inference/index.ts";
