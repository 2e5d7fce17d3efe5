// The one decrypt-and-verify path against its published vectors (test-vectors/decrypt-verified-v1.json):
// in memory (decryptModelToBytes, WebCrypto digest) and through a recording sink (streamed hash),
// a model is handed out only when every chunk authenticates and the sha256 equals the chain's.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { IntegrityError } from "../errors.ts";
import { fromHex, type Hex, toHex } from "./bytes.ts";
import {
  assertSha256,
  decryptModelToBytes,
  decryptVerified,
  type PlaintextSink,
} from "./decryptVerified.ts";
import { bytesToStream } from "./streams.ts";

type Case = {
  name: string;
  contentKey?: Hex;
  container: Hex;
  expectedSha256: string;
  plaintext?: Hex;
  error?: string;
};

const vectors = JSON.parse(
  await readFile(new URL("../../test-vectors/decrypt-verified-v1.json", import.meta.url), "utf8"),
) as { contentKey: Hex; cases: Case[] };

const keyOf = (c: Case) => fromHex(c.contentKey ?? vectors.contentKey);

/** A sink that records what the path did with it. */
function recordingSink() {
  const events: string[] = [];
  const written: Uint8Array[] = [];
  const sink: PlaintextSink<Uint8Array> = {
    write(chunk) {
      events.push("write");
      written.push(chunk.slice());
    },
    finish(verified) {
      events.push(`finish ${verified.bytes}`);
      return Uint8Array.from(written.flatMap((c) => [...c]));
    },
    discard() {
      events.push("discard");
    },
  };
  return { sink, events };
}

describe("decryptVerified test vectors", () => {
  it("cover success and every refusal kind", () => {
    assert.ok(vectors.cases.length >= 12);
    const errors = new Set(vectors.cases.map((c) => c.error));
    for (const name of ["IntegrityError", "DecryptionFailedError", "InvalidContainerError"])
      assert.ok(errors.has(name), name);
    assert.ok(vectors.cases.some((c) => c.plaintext !== undefined));
  });

  for (const c of vectors.cases) {
    it(`${c.name}: ${c.error ?? "handed out"} (memory, WebCrypto digest)`, async () => {
      // Chunks of 7 bytes: no stream boundary lines up with a sealed chunk.
      const run = decryptModelToBytes({
        ciphertext: bytesToStream(fromHex(c.container), 7),
        contentKey: keyOf(c),
        expectedSha256: c.expectedSha256,
      });
      if (c.error) await assert.rejects(run, { name: c.error });
      else assert.equal(toHex(await run), c.plaintext);
    });

    it(`${c.name}: ${c.error ?? "handed out"} (sink, streamed hash)`, async () => {
      const { sink, events } = recordingSink();
      const run = decryptVerified({
        ciphertext: bytesToStream(fromHex(c.container), 13),
        contentKey: keyOf(c),
        expectedSha256: c.expectedSha256,
        sink,
        readAhead: 0,
      });
      if (c.error) {
        await assert.rejects(run, { name: c.error });
        assert.equal(events.at(-1), "discard", "the sink was told to drop what it got");
        assert.ok(!events.some((e) => e.startsWith("finish")), "nothing was handed out");
      } else {
        assert.equal(toHex(await run), c.plaintext);
        assert.deepEqual(events.at(-1), `finish ${fromHex(c.plaintext as Hex).length}`);
        assert.ok(!events.includes("discard"));
      }
    });
  }

  it("a failing ciphertext stream (the network) is discarded and its error passed on", async () => {
    const { sink, events } = recordingSink();
    const broken = new ReadableStream<Uint8Array>({
      pull() {
        throw new Error("connection reset");
      },
    });
    await assert.rejects(
      decryptVerified({
        ciphertext: broken,
        contentKey: fromHex(vectors.contentKey),
        expectedSha256: "00",
        sink,
      }),
      /connection reset/,
    );
    assert.deepEqual(events, ["discard"]);
  });
});

describe("assertSha256", () => {
  const sha = `0x${"ab".repeat(32)}`;
  it("accepts the same hash with or without 0x, in any case", () => {
    assertSha256(sha, sha.slice(2).toUpperCase());
    assertSha256(sha.toUpperCase().replace("0X", "0x"), sha);
  });
  it("refuses another hash with an IntegrityError naming both", () => {
    const other = `0x${"cd".repeat(32)}`;
    assert.throws(
      () => assertSha256(sha, other),
      (err: Error) =>
        err instanceof IntegrityError &&
        err.message.includes(`chain records ${other}`) &&
        err.message.includes(sha),
    );
  });
  it("refuses a prefix, an empty hash and a longer hash", () => {
    for (const wrong of [sha.slice(0, 40), "", `${sha}00`, "0x"])
      assert.throws(() => assertSha256(sha, wrong), IntegrityError, wrong);
  });
});
