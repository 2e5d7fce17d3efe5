import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Writable } from "node:stream";
import { createDecryptStream } from "../crypto/decryptStream.ts";
import type { StreamProgress } from "../crypto/encryptStream.ts";
import { IntegrityError } from "../errors.ts";
import { createNodeSha256Stream } from "./sha256.ts";

export type DecryptModelToFileParameters = {
  /** The encrypted container (from IPFS). */
  container: ReadableStream<Uint8Array>;
  contentKey: Uint8Array;
  /** The plaintext's sha256 recorded on chain (hex, with or without 0x). */
  expectedSha256: string;
  /** Where the model goes; written only when every chunk authenticated and the hash matched. */
  out: string;
  onProgress?: (progress: StreamProgress) => void;
  totalInputBytes?: number;
};

/**
 * The last step of a download: decrypt while streaming, hash the plaintext, and move it to `out`
 * only if the hash equals the chain's. On any failure (tampered container, wrong key, hash
 * mismatch) nothing is left at `out` and the temporary file is removed.
 *
 * @example
 * await decryptModelToFile({ container: reader.cat(model.content), contentKey, expectedSha256: model.sha256, out: "model.onnx" });
 */
export async function decryptModelToFile(
  parameters: DecryptModelToFileParameters,
): Promise<{ sha256: string; bytes: number }> {
  const { container, contentKey, expectedSha256, out } = parameters;
  const expected = expectedSha256.toLowerCase().replace(/^0x/, "");
  const temporary = join(
    dirname(out),
    `.${basename(out)}.${randomBytes(6).toString("hex")}.partial`,
  );
  const hash = createNodeSha256Stream();
  let bytes = 0;
  try {
    await container
      .pipeThrough(
        createDecryptStream(contentKey, {
          onProgress: parameters.onProgress,
          totalInputBytes: parameters.totalInputBytes,
        }),
      )
      .pipeThrough(hash.stream)
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bytes += chunk.length;
            controller.enqueue(chunk);
          },
        }),
      )
      .pipeTo(Writable.toWeb(createWriteStream(temporary, { flags: "wx" })));
    const actual = (await hash.digest).slice(2);
    if (actual !== expected) {
      throw new IntegrityError(
        "The decrypted model does not match the sha256 recorded on chain; it was not saved.",
        {
          details: `Chain: ${expected}; decrypted: ${actual}.`,
          hints: [
            "The keyring or the content on IPFS does not belong to this model; report it to the consortium.",
          ],
        },
      );
    }
    await rename(temporary, out);
    return { sha256: `0x${actual}`, bytes };
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
