/// <reference types="vitest/config" />
import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";
import { crossOriginIsolation } from "./cross-origin-isolation.js";

export default defineConfig({
  plugins: [
    crossOriginIsolation(),
    sveltekit({
      compilerOptions: { runes: true },
      // Brotli on the 28 MB ORT wasm costs ~90 s per build and brings nothing on a local network.
      adapter: adapter({ precompress: false }),
    }),
  ],
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
