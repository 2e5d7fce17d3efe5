// Where `download` puts a decrypted model, so that a run killed at any point (kill -9 included)
// leaves no decrypted bytes behind and a bad --out is found before anything is recorded on chain.
//
// Why this shape: the chain records the sha256 of the plaintext, so the bytes can only be trusted
// once all of them were decrypted and hashed. Until then they go to a scratch file that is
// unlinked as soon as it is opened: only this process's descriptor reaches it, and the kernel frees
// it when the process ends, however it ends. Once the digest matches, the bytes are copied (a
// local copy, milliseconds) to a hidden file beside the target and renamed over it. A kill inside
// that short copy leaves a hidden `.<name>.nl-<pid>-<hex>.partial` of verified bytes; the next
// download into the same folder removes every such file whose process is gone. Keeping the
// plaintext in memory instead would cap the model size; Linux's O_TMPFILE + linkat is not
// reachable from Node.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import {
  access,
  type FileHandle,
  lstat,
  open,
  readdir,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import type { Hex } from "viem";
import { IntegrityError, InvalidInputError } from "../errors.ts";

const PARTIAL = /^\..+\.nl-(\d+)-[0-9a-f]{12}\.partial$/;
/** Leftovers of CLI versions before this one: `.<name>.<12 hex>.partial`, no owner recorded. */
const LEGACY_PARTIAL = /^\..+\.[0-9a-f]{12}\.partial$/;
const LEGACY_STALE_MS = 10 * 60_000;
const COPY_CHUNK = 1 << 20;

export interface PrivateOutput {
  /** Absolute path of the target file. */
  readonly path: string;
  /**
   * Streams `plaintext` into the unlinked scratch file, then, only when `digest` equals `expected`,
   * places the bytes at `path` (copy to a hidden file, rename). Returns the byte count. On a
   * mismatch throws an {@link IntegrityError} and writes nothing.
   */
  commit(
    plaintext: ReadableStream<Uint8Array>,
    digest: Promise<string>,
    expected: Hex,
    hooks?: { afterFirstChunk?: (scratch: { pid: number; fd: number }) => Promise<void> },
  ): Promise<number>;
  /** Closes the scratch file; nothing of it stays on disk. Safe to call more than once. */
  discard(): Promise<void>;
}

/**
 * Checks `out` and opens the private scratch file beside it: the folder exists and is a folder,
 * the target is not a folder and is writable if it exists, and a file can be created in the
 * folder (tried for real, so read-only mounts and ACLs count). Also removes decrypted leftovers
 * of killed runs in that folder. Throws an {@link InvalidInputError} naming the problem.
 *
 * @example
 * const output = await preparePrivateOutput("model.onnx");
 * try { await output.commit(stream, digest, sha256) } finally { await output.discard() }
 */
export async function preparePrivateOutput(out: string): Promise<PrivateOutput> {
  if (!out.trim()) throw new InvalidInputError("--out is empty: name the file to write");
  const path = resolve(out);
  const dir = dirname(path);
  const name = basename(path);
  if (out.endsWith(sep) || out.endsWith("/"))
    throw new InvalidInputError(
      `--out ${out} ends with a slash, so it names a folder: name a file`,
      {
        hints: [`e.g. --out ${join(out, "model.onnx")}`],
      },
    );
  await checkFolder(dir);
  await checkTarget(out, path);
  await removeLeftovers(dir, name);
  const scratch = await openScratch(dir, name);
  let closed = false;
  return {
    path,
    async commit(plaintext, digest, expected, hooks = {}) {
      const bytes = await writeAll(scratch, plaintext, hooks.afterFirstChunk);
      const actual = await digest;
      if (actual.toLowerCase() !== expected.toLowerCase()) {
        throw new IntegrityError(
          `the decrypted model hashes to ${actual}, but the chain records ${expected}: refused, nothing written`,
        );
      }
      await place(scratch, bytes, dir, name, path);
      return bytes;
    },
    async discard() {
      if (closed) return;
      closed = true;
      await scratch.close().catch(() => {});
    },
  };
}

function isFolder(out: string): InvalidInputError {
  return new InvalidInputError(`--out ${out} is a folder: name a file inside it`, {
    hints: [`e.g. --out ${join(out, "model.onnx")}`],
  });
}

async function checkFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT")
      throw new InvalidInputError(`the output folder ${dir} does not exist`, {
        hints: [`Create it first (mkdir -p ${dir}), or choose another --out.`],
      });
    if (err.code === "ENOTDIR")
      throw new InvalidInputError(
        `the output folder ${dir} is not a folder (a part of it is a file)`,
      );
    throw new InvalidInputError(`cannot use the output folder ${dir}: ${err.code ?? err.message}`);
  });
  if (!info.isDirectory()) throw new InvalidInputError(`the output folder ${dir} is not a folder`);
}

async function checkTarget(out: string, path: string): Promise<void> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new InvalidInputError(`cannot use --out ${out}: ${err.code ?? err.message}`);
  });
  if (!info) return;
  if (info.isDirectory()) throw isFolder(out);
  if (!info.isFile())
    throw new InvalidInputError(`--out ${out} exists and is not a regular file: refused`);
  await access(path, constants.W_OK).catch(() => {
    throw new InvalidInputError(`--out ${out} exists and is not writable`, {
      hints: ["Choose another file name, or make the file writable."],
    });
  });
}

/** Creates the scratch file and unlinks it at once: from here on only our descriptor reaches it. */
async function openScratch(dir: string, name: string): Promise<FileHandle> {
  const file = join(dir, partialName(name));
  const handle = await open(file, "wx+", 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInputError(
      `cannot write in the output folder ${dir} (${err.code ?? err.message})`,
      { hints: ["Choose a folder this account can write to."] },
    );
  });
  try {
    await unlink(file);
  } catch (err) {
    await handle.close();
    await unlink(file).catch(() => {});
    throw err;
  }
  return handle;
}

async function writeAll(
  scratch: FileHandle,
  plaintext: ReadableStream<Uint8Array>,
  afterFirstChunk?: (scratch: { pid: number; fd: number }) => Promise<void>,
): Promise<number> {
  let bytes = 0;
  for await (const chunk of plaintext) {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await scratch.write(chunk, offset, chunk.length - offset, bytes);
      offset += bytesWritten;
      bytes += bytesWritten;
    }
    if (afterFirstChunk) {
      await afterFirstChunk({ pid: process.pid, fd: scratch.fd });
      afterFirstChunk = undefined;
    }
  }
  return bytes;
}

/** Copies the verified scratch bytes to a hidden file beside the target, then renames it over. */
async function place(
  scratch: FileHandle,
  bytes: number,
  dir: string,
  name: string,
  path: string,
): Promise<void> {
  const temporary = join(dir, partialName(name));
  const target = await open(temporary, "wx");
  try {
    const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(bytes, 1)));
    for (let position = 0; position < bytes; ) {
      const { bytesRead } = await scratch.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0)
        throw new Error(`the scratch file ended at ${position} of ${bytes} bytes`);
      await target.write(buffer, 0, bytesRead);
      position += bytesRead;
    }
    await target.close();
    await rename(temporary, path);
  } catch (err) {
    await target.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw err;
  }
}

function partialName(name: string): string {
  return `.${name}.nl-${process.pid}-${randomBytes(6).toString("hex")}.partial`;
}

/**
 * Removes decrypted leftovers of killed runs in `dir`: our hidden partial files whose process is
 * gone, and legacy partial files of the same target name untouched for 10 minutes.
 */
async function removeLeftovers(dir: string, name: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    const owner = PARTIAL.exec(entry);
    const file = join(dir, entry);
    if (owner) {
      if (!isRunning(Number(owner[1]))) await unlink(file).catch(() => {});
      continue;
    }
    if (LEGACY_PARTIAL.test(entry) && entry.startsWith(`.${name}.`)) {
      const info = await lstat(file).catch(() => undefined);
      if (info?.isFile() && Date.now() - info.mtimeMs > LEGACY_STALE_MS)
        await unlink(file).catch(() => {});
    }
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
