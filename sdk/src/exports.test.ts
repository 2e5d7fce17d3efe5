import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const srcDir = dirname(fileURLToPath(import.meta.url));
const BROWSER_PACKAGES = new Set([
  "zod",
  "@noble/curves/ed25519.js",
  "@noble/hashes/sha2.js",
  "@noble/hashes/utils.js",
  "canonicalize",
  "viem",
  "multiformats/cid",
  "multiformats/hashes/digest",
  "helia",
  "@helia/unixfs",
  "@helia/trustless-gateway-client",
  "@helia/fallback-router",
  // @neuroledger/sdk/dicom: pure JS parsers and codecs, and Emscripten WASM codecs built for browsers.
  "dicom-parser",
  "fflate",
  "jpeg-js",
  "jpeg-lossless-decoder-js",
  "@cornerstonejs/codec-charls/decodewasmjs",
  "@cornerstonejs/codec-openjpeg/decodewasmjs",
  // weightsHash (card): protobufjs' light build and long.js run in browsers (decoders are
  // generated on first use, never at import).
  "protobufjs/light.js",
  "long",
  // siteCheck's p-value: stdlib's pure-JS erfc (its native addon is only loaded through an
  // explicit `lib/native.js` import, which nothing here makes).
  "@stdlib/math-base-special-erfc",
]);

/** Bare module specifiers reachable from `entry` through relative imports (type-only imports excluded). */
function bareImports(
  entry: string,
  seen = new Set<string>(),
  found = new Set<string>(),
): Set<string> {
  if (seen.has(entry)) return found;
  seen.add(entry);
  const source = readFileSync(entry, "utf8");
  for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
    const [, typeOnly, specifier] = match as unknown as [string, string | undefined, string];
    if (typeOnly) continue;
    if (specifier.startsWith(".")) bareImports(join(dirname(entry), specifier), seen, found);
    else found.add(specifier);
  }
  for (const match of source.matchAll(/import\("([^"]+)"\)/g)) found.add(match[1] as string);
  return found;
}

describe("package entry points", () => {
  for (const entry of [
    "index.ts",
    "crypto/index.ts",
    "card/index.ts",
    "inference/index.ts",
    "errors.ts",
    "dicom/index.ts",
  ]) {
    it(`${entry} pulls in no Node built-ins or Node-only packages (safe for the browser bundle)`, () => {
      const imports = [...bareImports(join(srcDir, entry))];
      assert.deepEqual(
        imports.filter((s) => !BROWSER_PACKAGES.has(s)),
        [],
      );
    });
  }

  it("the Node entry is where the Node-only pieces live", () => {
    const imports = bareImports(join(srcDir, "node/index.ts"));
    for (const name of ["pngjs", "jpeg-js", "onnxruntime-node", "node:fs"])
      assert.ok(imports.has(name), name);
  });

  it("the built package resolves through its exports map", async () => {
    const sdk = await import("@neuroledger/sdk");
    const node = await import("@neuroledger/sdk/node");
    const crypto = await import("@neuroledger/sdk/crypto");
    assert.equal(typeof sdk.createEncryptStream, "function");
    assert.equal(typeof sdk.parseModelCard, "function");
    assert.equal(typeof sdk.classifyImage, "function");
    assert.equal(typeof node.decodeImage, "function");
    assert.equal(crypto.buildKeyring, sdk.buildKeyring);
    assert.equal(typeof (await import("@neuroledger/sdk/chain")).cidToChain, "function");
    assert.equal(typeof (await import("@neuroledger/sdk/ipfs")).createGatewayReader, "function");
    assert.ok(!("createGatewayReader" in sdk), "IPFS stays out of the root entry");
  });
});
