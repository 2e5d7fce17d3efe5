// Where a decrypted model goes on disk (the cli's `download`, `decryptModelToFile`), so that a run killed at any point (kill -9 included)
// leaves no decrypted bytes behind and a bad output path is found before anything is recorded on chain.
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
import type { PlaintextSink } from "../crypto/decryptVerified.ts";
import { InvalidOutputError } from "../errors.ts";

const PARTIAL = /^\..+\.nl-(\d+)-[0-9a-f]{12}\.partial$/;
/** Leftovers of CLI versions before this one: `.<name>.<12 hex>.partial`, no owner recorded. */
const LEGACY_PARTIAL = /^\..+\.[0-9a-f]{12}\.partial$/;
const LEGACY_STALE_MS = 10 * 60_000;
const COPY_CHUNK = 1 << 20;

/**
 * A {@link PlaintextSink} for `decryptVerified`: `write` appends to the unlinked scratch file,
 * `finish` (called only once the sha256 matched) places the bytes at `path` (copy to a hidden file
 * beside it, rename) and returns the byte count, `discard` closes the scratch file.
 */
export interface PrivateOutput extends PlaintextSink<number> {
  /** Absolute path of the target file. */
  readonly path: string;
  /** Closes the scratch file; nothing of it stays on disk. Safe to call more than once. */
  close(): Promise<void>;
}

export type PreparePrivateOutputOptions = {
  /** How messages name the path (default "the output path"; the cli says "--out"). */
  label?: string;
  /** Test hook: called once, after the first decrypted bytes reached the scratch file. */
  afterFirstChunk?: (scratch: { pid: number; fd: number }) => Promise<void>;
};

/**
 * Checks `out` and opens the private scratch file beside it: the folder exists and is a folder,
 * the target is not a folder and is writable if it exists, and a file can be created in the
 * folder (tried for real, so read-only mounts and ACLs count). Also removes decrypted leftovers
 * of killed runs in that folder. Throws an {@link InvalidOutputError} naming the problem.
 *
 * @example
 * const output = await preparePrivateOutput("model.onnx");
 * try { await decryptVerified({ ciphertext, contentKey, expectedSha256, sink: output }) }
 * finally { await output.close() }
 */
export async function preparePrivateOutput(
  out: string,
  options: PreparePrivateOutputOptions = {},
): Promise<PrivateOutput> {
  const label = options.label ?? "the output path";
  if (!out.trim()) throw new InvalidOutputError(`${label} is empty: name the file to write`);
  const path = resolve(out);
  const dir = dirname(path);
  const name = basename(path);
  if (out.endsWith(sep) || out.endsWith("/"))
    throw new InvalidOutputError(
      `${label} ${out} ends with a slash, so it names a folder: name a file`,
      {
        hints: [`e.g. ${join(out, "model.onnx")}`],
      },
    );
  await checkFolder(dir);
  await checkTarget(out, path, label);
  await removeLeftovers(dir, name);
  const scratch = await openScratch(dir, name);
  let afterFirstChunk = options.afterFirstChunk;
  let written = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scratch.close().catch(() => {});
  };
  return {
    path,
    async write(chunk) {
      written = await writeChunk(scratch, chunk, written);
      if (afterFirstChunk) {
        const hook = afterFirstChunk;
        afterFirstChunk = undefined;
        await hook({ pid: process.pid, fd: scratch.fd });
      }
    },
    async finish() {
      await place(scratch, written, dir, name, path);
      return written;
    },
    discard: close,
    close,
  };
}

function isFolder(out: string, label: string): InvalidOutputError {
  return new InvalidOutputError(`${label} ${out} is a folder: name a file inside it`, {
    hints: [`e.g. ${join(out, "model.onnx")}`],
  });
}

async function checkFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT")
      throw new InvalidOutputError(`the output folder ${dir} does not exist`, {
        hints: [`Create it first (mkdir -p ${dir}), or choose another output path.`],
      });
    if (err.code === "ENOTDIR")
      throw new InvalidOutputError(
        `the output folder ${dir} is not a folder (a part of it is a file)`,
      );
    throw new InvalidOutputError(`cannot use the output folder ${dir}: ${err.code ?? err.message}`);
  });
  if (!info.isDirectory()) throw new InvalidOutputError(`the output folder ${dir} is not a folder`);
}

async function checkTarget(out: string, path: string, label: string): Promise<void> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new InvalidOutputError(`cannot use ${label} ${out}: ${err.code ?? err.message}`);
  });
  if (!info) return;
  if (info.isDirectory()) throw isFolder(out, label);
  if (!info.isFile())
    throw new InvalidOutputError(`${label} ${out} exists and is not a regular file: refused`);
  await access(path, constants.W_OK).catch(() => {
    throw new InvalidOutputError(`${label} ${out} exists and is not writable`, {
      hints: ["Choose another file name, or make the file writable."],
    });
  });
}

/** Creates the scratch file and unlinks it at once: from here on only our descriptor reaches it. */
async function openScratch(dir: string, name: string): Promise<FileHandle> {
  const file = join(dir, partialName(name));
  const handle = await open(file, "wx+", 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidOutputError(
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

/** Writes all of `chunk` at `position`; returns the new end of the file. */
async function writeChunk(
  scratch: FileHandle,
  chunk: Uint8Array,
  position: number,
): Promise<number> {
  let end = position;
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await scratch.write(chunk, offset, chunk.length - offset, end);
    offset += bytesWritten;
    end += bytesWritten;
  }
  return end;
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
