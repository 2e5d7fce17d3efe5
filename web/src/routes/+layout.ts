import { loadAppConfig } from "#lib/config.ts";

// A dApp: the wallet, WebCrypto and onnxruntime-web live in the browser, so pages render there.
export const ssr = false;
export const prerender = false;

export const load = async ({ fetch }) => ({ config: await loadAppConfig(fetch) });
