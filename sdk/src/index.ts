/**
 * `@neuroledger/sdk`: the browser-safe public API (no Node built-ins). Node-only helpers (file
 * decoders, onnxruntime-node, atomic writes) live in `@neuroledger/sdk/node`.
 */
export * from "./card/index.ts";
export * from "./crypto/index.ts";
export * from "./errors.ts";
export * from "./inference/index.ts";
