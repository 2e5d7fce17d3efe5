/// <reference types="vitest/config" />
import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";
import { securityHeaders } from "./security-headers.js";

export default defineConfig({
  plugins: [
    securityHeaders(),
    sveltekit({
      compilerOptions: { runes: true },
      // Hashes of the inline boot script go into the CSP of each page; src/hooks.server.ts puts
      // them into the app's whole policy (security-headers.js).
      csp: { mode: "hash", directives: { "script-src": ["self", "wasm-unsafe-eval"] } },
      // Brotli on the 28 MB ORT wasm costs ~90 s per build and brings nothing on a local network.
      adapter: adapter({ precompress: false }),
    }),
  ],
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    environment: "node",
  },
});
