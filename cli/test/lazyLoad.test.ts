// The command declarations load their implementations only when a command runs (issue 14,
// section 5): `--help` and `node --help` must not load onnxruntime, the chain package, Helia or
// libp2p. A module-resolution hook records every module the CLI process resolves.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const BIN = fileURLToPath(new URL("../bin/neuroledger.js", import.meta.url));
const HEAVY = /onnxruntime|@neuroledger\/chain|\/chain\/(abi|src)\/|helia|libp2p/;

describe("lazy loading of command implementations", { timeout: 120_000 }, () => {
  let dir: string;
  let register: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nl-lazy-"));
    const hooks = join(dir, "hooks.mjs");
    await writeFile(
      hooks,
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.NL_RESOLVE_TRACE, resolved.url + "\\n");
  return resolved;
}
`,
    );
    register = join(dir, "register.mjs");
    await writeFile(
      register,
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Runs the CLI with `args`; returns the URLs of every module it resolved. */
  async function resolvedBy(args: string[]): Promise<string[]> {
    const trace = join(dir, `trace-${args.join("-")}.txt`);
    await writeFile(trace, "");
    await new Promise<void>((done) => {
      execFile(
        process.execPath,
        ["--import", register, BIN, ...args],
        {
          env: { ...process.env, NL_RESOLVE_TRACE: trace, NEUROLEDGER_DATA_DIR: join(dir, "none") },
          timeout: 60_000,
        },
        () => done(),
      );
    });
    return (await readFile(trace, "utf8")).split("\n").filter(Boolean);
  }

  for (const args of [["--help"], ["node", "--help"], ["download", "--help"]]) {
    test(`neuroledger ${args.join(" ")} loads no heavy module`, async () => {
      const urls = await resolvedBy(args);
      assert.ok(
        urls.some((u) => u.includes("/cli/src/program/")),
        "the trace saw the CLI",
      );
      assert.deepEqual(
        urls.filter((u) => HEAVY.test(u)),
        [],
      );
    });
  }

  test("running a command does load its implementation (the trace can see heavy modules)", async () => {
    const urls = await resolvedBy(["status"]);
    assert.ok(
      urls.some((u) => HEAVY.test(u)),
      "status resolved none of the modules this test watches for",
    );
  });
});
