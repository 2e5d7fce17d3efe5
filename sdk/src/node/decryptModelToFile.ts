import { decryptVerified, type OpenContainerParameters } from "../crypto/decryptVerified.ts";
import { type PreparePrivateOutputOptions, preparePrivateOutput } from "./privateOutput.ts";
import { createNodeSha256Stream } from "./sha256.ts";

export type DecryptModelToFileParameters = Omit<
  OpenContainerParameters,
  "ciphertext" | "createHash"
> &
  PreparePrivateOutputOptions & {
    /** The encrypted container (from IPFS). */
    container: ReadableStream<Uint8Array>;
    /** The plaintext's sha256 recorded on chain (hex, with or without 0x). */
    expectedSha256: string;
    /** Where the model goes; written only when every chunk authenticated and the hash matched. */
    out: string;
  };

/**
 * The last step of a download: `decryptVerified` into a private output (an unlinked scratch file
 * beside `out`, see `preparePrivateOutput`), hashed with node:crypto, and placed at `out` only if
 * the hash equals the chain's. On any failure (tampered container, wrong key, hash mismatch,
 * kill -9) nothing decrypted is left on disk.
 *
 * @returns the plaintext's sha256 (0x hex) and size in bytes.
 * @throws InvalidOutputError (bad `out`, before anything is decrypted), DecryptionFailedError /
 *   InvalidContainerError, IntegrityError.
 *
 * @example
 * await decryptModelToFile({ container: reader.cat(model.content), contentKey, expectedSha256: model.sha256, out: "model.onnx" });
 */
export async function decryptModelToFile(
  parameters: DecryptModelToFileParameters,
): Promise<{ sha256: string; bytes: number }> {
  const { container, out, label, afterFirstChunk, ...open } = parameters;
  const output = await preparePrivateOutput(out, { label, afterFirstChunk });
  try {
    return await decryptVerified({
      ...open,
      ciphertext: container,
      createHash: createNodeSha256Stream,
      sink: {
        write: (chunk) => output.write(chunk),
        discard: (reason) => output.discard(reason),
        finish: async (verified) => ({
          sha256: verified.sha256,
          bytes: await output.finish(verified),
        }),
      },
    });
  } finally {
    await output.close();
  }
}
