// Writes sdk/test-vectors/*.json from fixed inputs. Run after an intentional format change only:
// `pnpm -C sdk vectors`; the tests compare the committed files with a fresh computation.
import { writeFile } from "node:fs/promises";
import { vectorFiles } from "../src/crypto/testing/vectors.ts";

for (const [name, compute] of Object.entries(vectorFiles)) {
  const url = new URL(`../test-vectors/${name}`, import.meta.url);
  await writeFile(url, `${JSON.stringify(await compute(), null, 2)}\n`);
  console.log(`wrote test-vectors/${name}`);
}
