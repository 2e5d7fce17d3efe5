/**
 * `@neuroledger/sdk`: the browser-safe public API (no Node built-ins). Node-only helpers (file
 * decoders, onnxruntime-node) live in `@neuroledger/sdk/node`.
 */
export * from "./crypto/index.ts";
export * from "./errors.ts";
