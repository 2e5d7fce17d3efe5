// One error model, one exit-code table (issue 14, section 4): every error class the sdk and the
// cli export is thrown through `main()` and must end in the exit code cli/README.md promises.
// The classes are enumerated from the modules, so a new class that is not in the table below
// (or that has no category of its own) fails this test.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as sdkErrors from "@neuroledger/sdk/errors";
import type { Command } from "commander";
import * as cliErrors from "../src/errors.ts";
import { main } from "../src/main.ts";

/** The codes cli/README.md promises ("Exit codes: 0 ok, 1 unexpected failure, 2 usage, ..."). */
const PROMISED = {
  failure: 1,
  usage: 2,
  invalidInput: 3,
  refused: 4,
  integrity: 5,
  unavailable: 6,
  interrupted: 130,
} as const;

const SDK_EXPECTED: Record<string, number> = {
  BaseError: PROMISED.failure,
  InvalidContainerError: PROMISED.integrity,
  DecryptionFailedError: PROMISED.integrity,
  InvalidKeyError: PROMISED.invalidInput,
  InvalidKeyringError: PROMISED.integrity,
  KeyringCardError: PROMISED.integrity,
  KeyringUnavailableError: PROMISED.unavailable,
  NoWrapForAccountError: PROMISED.refused,
  InvalidModelCardError: PROMISED.invalidInput,
  ImageDecodeError: PROMISED.invalidInput,
  ImageTooLargeError: PROMISED.invalidInput,
  UnsupportedFileFormatError: PROMISED.invalidInput,
  ImageTooSmallError: PROMISED.invalidInput,
  UnsupportedDicomError: PROMISED.invalidInput,
  InvalidInputError: PROMISED.invalidInput,
  ModelOutputError: PROMISED.invalidInput,
  InvalidModelError: PROMISED.invalidInput,
  InvalidOutputError: PROMISED.invalidInput,
  InvalidCidError: PROMISED.invalidInput,
  ContractRevertError: PROMISED.refused,
  WeightsAlreadyPublishedError: PROMISED.refused,
  IpfsFetchError: PROMISED.unavailable,
  GatewayAuthError: PROMISED.refused,
  IntegrityError: PROMISED.integrity,
};

const CLI_EXPECTED: Record<string, number> = {
  CliError: PROMISED.failure,
  UsageError: PROMISED.usage,
  InvalidInputError: PROMISED.invalidInput,
  RefusedError: PROMISED.refused,
  IntegrityError: PROMISED.integrity,
  TimeoutError: PROMISED.unavailable,
  UnavailableError: PROMISED.unavailable,
  InterruptedError: PROMISED.interrupted,
};

type ErrorClass = new (...args: never[]) => Error;

function errorClasses(module: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(module).filter(
    (entry): entry is [string, ErrorClass] =>
      typeof entry[1] === "function" &&
      (entry[1] === Error || (entry[1] as { prototype: unknown }).prototype instanceof Error),
  );
}

/** One instance of a class; the few with other constructor shapes get their arguments here. */
function instance(name: string, Class: ErrorClass): Error {
  const Any = Class as unknown as new (...args: unknown[]) => Error;
  if (name === "NoWrapForAccountError")
    return new Any("0x00000000000000000000000000000000000000aa");
  if (name === "UnsupportedFileFormatError")
    return new Any("nifti", `${name} thrown by the exit-code test`);
  if (name === "ImageTooSmallError") return new Any(8, 8, 32);
  if (name === "ContractRevertError") return new Any("RegistryDownloadNotAuthorized", [1n]);
  if (name === "WeightsAlreadyPublishedError") return new Any(7n, `0x${"ab".repeat(32)}`);
  return new Any(`${name} thrown by the exit-code test`);
}

/** Runs `neuroledger boom`, whose action throws `error`; returns the exit code and stderr. */
async function throwThroughMain(error: unknown): Promise<{ code: number; stderr: string }> {
  const declareBoom = (program: Command) => {
    program.command("boom").action(() => {
      throw error;
    });
  };
  const write = process.stderr.write;
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["node", "neuroledger", "boom"], [declareBoom]);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
  }
}

for (const [label, module, expected] of [
  ["@neuroledger/sdk/errors", sdkErrors, SDK_EXPECTED],
  ["cli/src/errors.ts", cliErrors, CLI_EXPECTED],
] as const) {
  describe(`every error class of ${label} exits with its promised code`, () => {
    const classes = errorClasses(module as Record<string, unknown>);

    test("the module exports error classes, and each is in the table", () => {
      assert.ok(classes.length >= 5, `found only ${classes.length} error classes`);
      for (const [name] of classes)
        assert.ok(name in expected, `${name} has no promised exit code in this test's table`);
    });

    test("each class declares its own category", () => {
      for (const [name, Class] of classes) {
        assert.ok(
          Object.hasOwn(Class, "category"),
          `${name} declares no category of its own (static category)`,
        );
      }
    });

    for (const [name, Class] of classes) {
      test(`${name} -> exit ${expected[name]}`, async () => {
        const error = instance(name, Class);
        const { code, stderr } = await throwThroughMain(error);
        assert.equal(code, expected[name], `${name} exited ${code}`);
        assert.match(stderr, /^error: /m);
        assert.ok(
          stderr.includes((error as { shortMessage?: string }).shortMessage ?? error.message),
          `stderr names the problem: ${stderr}`,
        );
      });
    }
  });
}

describe("errors wrapped by other errors", () => {
  test("a plain Error whose cause is an sdk IntegrityError exits 5 (the chain is walked)", async () => {
    const wrapped = new Error("while downloading", {
      cause: new sdkErrors.IntegrityError("sha256 mismatch"),
    });
    assert.equal((await throwThroughMain(wrapped)).code, PROMISED.integrity);
  });

  test("anything that is not an Error exits 1 and is printed", async () => {
    const { code, stderr } = await throwThroughMain("a thrown string");
    assert.equal(code, PROMISED.failure);
    assert.match(stderr, /a thrown string/);
  });
});
